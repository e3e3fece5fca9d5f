/**
 * Wakes whoever waits on a compose project when Docker reports something about it, so waits
 * react to events instead of polling Docker in a tight loop.
 */
export class ProjectSignals {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(project: string): void {
    const set = this.waiters.get(project);
    if (!set) return;
    this.waiters.delete(project);
    for (const wake of set) wake();
  }

  /** Resolves at the next notify for `project`, or after `ms`. */
  next(project: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(project);
      if (!set) {
        set = new Set();
        this.waiters.set(project, set);
      }
      const timer = setTimeout(() => {
        set.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      set.add(wake);
    });
  }
}
