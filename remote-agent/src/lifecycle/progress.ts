import type { AgentEvent, ProgressEvent } from '@protocol/types';

type Draft = Omit<ProgressEvent, 'instanceId' | 'seq' | 'at'>;

/** Cap per instance: pull percents arrive in bursts; a late subscriber needs the story, not every tick. */
const MAX_EVENTS = 400;

/**
 * Every instance's creation story, kept so a client that subscribes late (or reconnects)
 * replays it with `instances.progress`; each event is also pushed as `instance.progress`.
 */
export class ProgressLog {
  private readonly byInstance = new Map<string, { events: ProgressEvent[]; finished: boolean }>();

  constructor(
    private readonly emit: (event: AgentEvent) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Starts a fresh story (a new creation of this instance). */
  begin(instanceId: string): void {
    this.byInstance.set(instanceId, { events: [], finished: false });
  }

  record(instanceId: string, draft: Draft): ProgressEvent {
    let entry = this.byInstance.get(instanceId);
    if (!entry) {
      entry = { events: [], finished: false };
      this.byInstance.set(instanceId, entry);
    }
    const last = entry.events[entry.events.length - 1];
    const event: ProgressEvent = {
      instanceId,
      seq: (last?.seq ?? 0) + 1,
      at: this.now().toISOString(),
      ...draft,
    };
    if (entry.events.length >= MAX_EVENTS) {
      // Drop the oldest intermediate percent tick, never a step boundary.
      const i = entry.events.findIndex((e) => e.status === 'progress' && e.percent !== undefined);
      entry.events.splice(i >= 0 ? i : 0, 1);
    }
    entry.events.push(event);
    this.emit({ type: 'instance.progress', event });
    return event;
  }

  /** The story is complete (running, or failed and rolled back): nothing more will come. */
  finish(instanceId: string): void {
    const entry = this.byInstance.get(instanceId);
    if (entry) entry.finished = true;
  }

  get(instanceId: string): { events: ProgressEvent[]; finished: boolean } {
    const entry = this.byInstance.get(instanceId);
    return entry
      ? { events: [...entry.events], finished: entry.finished }
      : { events: [], finished: true };
  }

  forget(instanceId: string): void {
    this.byInstance.delete(instanceId);
  }
}
