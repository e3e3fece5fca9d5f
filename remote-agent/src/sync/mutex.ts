/** A FIFO async mutex: callers run one at a time, in the order they asked. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    // The queue continues whether the task failed or not; the caller sees its own failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
