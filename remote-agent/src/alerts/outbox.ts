import { randomBytes } from 'node:crypto';
import { ALERT_SEVERITY, type AlertEvent } from '@protocol/alerts';
import type { OutboxItem, QueueFile } from './types';

/** Event keys are remembered this long: a repeat within it is the same notification. */
const SEEN_KEEP_MS = 7 * 24 * 3_600_000;

export function newDeliveryId(): string {
  return `d${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

export interface AcceptOptions {
  now: number;
  groupWindowMs: number;
  /** Where the rules send an event (channel ids). */
  route(event: AlertEvent): string[];
  /** An item being sent right now takes no more events (they would be marked sent unsent). */
  isSending(item: OutboxItem): boolean;
  newId?: () => string;
}

/**
 * Puts events into the outbox (mutating `queue`; the caller persists it): a key seen before is
 * dropped (de-duplication), and events for a channel join that channel's message still waiting
 * for its first try (grouping: one message for twenty projects degraded at once). Returns the
 * number of (event, channel) pairs accepted.
 */
export function accept(queue: QueueFile, events: readonly AlertEvent[], o: AcceptOptions): number {
  for (const [key, at] of Object.entries(queue.seen)) {
    if (at < o.now - SEEN_KEEP_MS) delete queue.seen[key];
  }
  let accepted = 0;
  for (const event of events) {
    if (queue.seen[event.key] !== undefined) continue;
    queue.seen[event.key] = o.now;
    for (const channelId of o.route(event)) {
      const open = queue.outbox.find(
        (i) => i.channelId === channelId && i.attempts === 0 && !o.isSending(i),
      );
      if (open) {
        open.events.push(event);
        // A critical event does not wait for the quiet hours or a long hold of its group.
        if (ALERT_SEVERITY[event.kind] === 'critical') {
          open.nextAttemptAt = Math.min(open.nextAttemptAt, o.now + o.groupWindowMs);
        }
      } else {
        queue.outbox.push({
          id: (o.newId ?? newDeliveryId)(),
          channelId,
          events: [event],
          createdAt: o.now,
          nextAttemptAt: o.now + o.groupWindowMs,
          attempts: 0,
        });
      }
      accepted++;
    }
  }
  return accepted;
}
