/**
 * Backups, restores and drills run one at a time per server: each streams a whole database
 * through the disk and the network, and two at once would only make both slow (and a hundred
 * scheduled ones would flatten the server). Jobs wait in order; each knows its position.
 */
export interface QueuedJob {
  id: string;
  instanceId: string;
}

export class JobQueue<J extends QueuedJob> {
  private readonly waiting: { job: J; start: () => void }[] = [];
  private current: J | undefined;

  constructor(private readonly onPositions: (job: J, position: number) => void = () => {}) {}

  /** Runs `work` when every job queued before it has finished; resolves with its result. */
  run<T>(job: J, work: () => Promise<T>): { position: number; done: Promise<T> } {
    const position = this.current || this.waiting.length > 0 ? this.waiting.length + 1 : 0;
    const done = new Promise<T>((resolve, reject) => {
      const start = () => {
        this.current = job;
        work()
          .then(resolve, reject)
          .finally(() => {
            this.current = undefined;
            this.next();
          });
      };
      if (position === 0) start();
      else this.waiting.push({ job, start });
    });
    return { position, done };
  }

  /** 0 = running, n = n-th in line, undefined = not here. */
  position(jobId: string): number | undefined {
    if (this.current?.id === jobId) return 0;
    const index = this.waiting.findIndex((w) => w.job.id === jobId);
    return index < 0 ? undefined : index + 1;
  }

  get running(): J | undefined {
    return this.current;
  }

  get length(): number {
    return this.waiting.length + (this.current ? 1 : 0);
  }

  private next(): void {
    const first = this.waiting.shift();
    this.waiting.forEach((w, index) => this.onPositions(w.job, index + 1));
    first?.start();
  }
}
