import type { AgentEvent } from '@protocol/types';

/**
 * Decides whether a subscriber may see an event; the bus stays ignorant of users and rights.
 * Returns false to withhold the event from that subscriber.
 */
export type EventListener = (event: AgentEvent) => void;

/** In-process fan-out of agent events to `events.subscribe` streams (and the lifecycle). */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit(event: AgentEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One broken subscriber must not stop the others from hearing the event.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
