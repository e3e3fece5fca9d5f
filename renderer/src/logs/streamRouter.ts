import type { DesktopEvent } from '@contract/api';

export type StreamEvent = Extract<DesktopEvent, { type: 'stream.data' | 'stream.end' }>;
type Handler = (event: StreamEvent) => void;

const handlers = new Map<string, Handler>();
/**
 * Data may arrive before `followLogs` resolves with the stream id, so events for a stream nobody
 * has claimed yet wait here. Unacknowledged data is bounded by the agent's flow-control window,
 * so this cannot grow without limit; unclaimed streams are dropped after a while.
 */
const early = new Map<string, { events: StreamEvent[]; since: number }>();
const UNCLAIMED_MS = 30_000;

export function dispatchStreamEvent(event: StreamEvent, now = Date.now()): void {
  const handler = handlers.get(event.stream);
  if (handler) {
    handler(event);
    return;
  }
  for (const [id, entry] of early) if (now - entry.since > UNCLAIMED_MS) early.delete(id);
  const entry = early.get(event.stream) ?? { events: [], since: now };
  entry.events.push(event);
  early.set(event.stream, entry);
}

/** Claims a stream: replays what arrived early, then delivers live. Returns the release. */
export function claimStream(stream: string, handler: Handler): () => void {
  handlers.set(stream, handler);
  const entry = early.get(stream);
  early.delete(stream);
  for (const event of entry?.events ?? []) handler(event);
  return () => {
    if (handlers.get(stream) === handler) handlers.delete(stream);
  };
}
