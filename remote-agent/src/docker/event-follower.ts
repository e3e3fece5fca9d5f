import { COMPOSE_PROJECT_LABEL, type DockerEngine, type DockerEvent } from './engine';
import { JsonLines } from './frames';
import { sleep } from './retry';

/** Container events that can change an instance's status. */
const WATCHED = [
  'create',
  'start',
  'restart',
  'die',
  'stop',
  'kill',
  'oom',
  'destroy',
  'pause',
  'unpause',
  'health_status',
];

export interface FollowerHandlers {
  /** A container event of an Ultrabase project (`ub_*`). */
  onEvent(project: string, event: DockerEvent): void;
  /** The stream is open again after dockerd went away: whatever happened meanwhile was missed. */
  onReconnected(): void;
  onDisconnected?(error: unknown): void;
  /** The stream is open: the first time and after every reconnect. */
  onConnected?(): void;
}

/**
 * Follows Docker's event stream for the life of the agent. Docker pushes each container change
 * the moment it happens, so instance status is current without polling. When dockerd stops or
 * restarts the stream ends; we reconnect with backoff (0.25 s doubling to 2 s: a package
 * upgrade restarts dockerd in a few seconds and statuses must be right seconds later, while a
 * refused connect to a unix socket costs nothing) and then let the owner reconcile, because
 * events sent while we were away are lost.
 */
export class DockerEventFollower {
  private stopped = false;
  private current: { destroy(): void } | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly handlers: FollowerHandlers,
    private readonly backoff = { baseMs: 250, maxMs: 2_000 },
  ) {}

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.destroy();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let connectedBefore = false;
    while (!this.stopped) {
      try {
        const res = await this.engine.events({
          type: ['container'],
          label: [COMPOSE_PROJECT_LABEL],
          event: WATCHED,
        });
        this.current = res;
        if (this.stopped) {
          res.destroy();
          break;
        }
        this.handlers.onConnected?.();
        if (connectedBefore || failures > 0) this.handlers.onReconnected();
        connectedBefore = true;
        failures = 0;
        const lines = new JsonLines<DockerEvent>();
        for await (const chunk of res) {
          for (const ev of lines.push(chunk as Buffer)) {
            const project = ev.Actor?.Attributes?.[COMPOSE_PROJECT_LABEL];
            if (project?.startsWith('ub_')) this.handlers.onEvent(project, ev);
          }
        }
        if (!this.stopped)
          this.handlers.onDisconnected?.(new Error('Docker closed the event stream'));
      } catch (err) {
        if (this.stopped) break;
        this.handlers.onDisconnected?.(err);
      }
      if (this.stopped) break;
      const delay = Math.min(this.backoff.baseMs * 2 ** failures, this.backoff.maxMs);
      failures += 1;
      await sleep(delay);
    }
  }
}
