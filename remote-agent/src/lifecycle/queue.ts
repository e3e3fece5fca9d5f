/**
 * The creation queue: at most `concurrency` creations run at once (each one pulls images and
 * starts a dozen containers, so parallel creations mostly fight over disk and CPU); the rest
 * wait in order and learn their position whenever it changes.
 */
export class CreationQueue {
  private readonly waiting: string[] = [];
  private readonly running = new Set<string>();

  constructor(
    private readonly concurrency: number,
    private readonly run: (instanceId: string) => Promise<void>,
    /** Position 1 = next to start. Called for every waiting entry whose position changed. */
    private readonly onPosition: (instanceId: string, position: number) => void,
  ) {}

  /** 0 = starts now; n ≥ 1 = n-th in line. Enqueueing twice returns the current position. */
  enqueue(instanceId: string): number {
    if (this.running.has(instanceId)) return 0;
    const at = this.waiting.indexOf(instanceId);
    if (at >= 0) return at + 1;
    this.waiting.push(instanceId);
    const announced = this.pump();
    const position = this.waiting.indexOf(instanceId) + 1;
    if (position > 0 && !announced) this.onPosition(instanceId, position);
    return position;
  }

  /** Takes a waiting entry out (it was deleted before its turn). False if it already started. */
  withdraw(instanceId: string): boolean {
    const at = this.waiting.indexOf(instanceId);
    if (at < 0) return false;
    this.waiting.splice(at, 1);
    this.announceFrom(at);
    return true;
  }

  has(instanceId: string): boolean {
    return this.running.has(instanceId) || this.waiting.includes(instanceId);
  }

  get size(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.length };
  }

  /** Resolves when nothing runs or waits (for close and tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.waiting.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Starts what fits; true when it did (and so re-announced every waiting position). */
  private pump(): boolean {
    let started = false;
    while (this.running.size < Math.max(1, this.concurrency) && this.waiting.length > 0) {
      const next = this.waiting.shift() as string;
      this.running.add(next);
      started = true;
      void this.run(next)
        .catch(() => {
          // `run` records its own failure; the queue only has to keep moving.
        })
        .finally(() => {
          this.running.delete(next);
          this.pump();
        });
    }
    if (started) this.announceFrom(0);
    return started;
  }

  private announceFrom(index: number): void {
    for (let i = index; i < this.waiting.length; i++) {
      this.onPosition(this.waiting[i] as string, i + 1);
    }
  }
}
