import { AgentError } from '../agent-error';
import type { AuthService } from '../auth/service';
import type { EventBus } from '../events/bus';
import { canSee } from '../instances/permissions';
import type { StoreInstanceRegistry } from '../instances/registry';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent } from '@protocol/types';
import type { OutboundStream } from '../rpc/streams';

/** Events held for a subscriber that stopped acknowledging, before its stream is ended. */
export const MAX_PENDING_EVENTS = 2000;

/**
 * Pushes agent events to one subscriber, filtered by what its session may see (re-checked per
 * event, so a revoked grant or session takes effect at once). Events cannot be paused at the
 * source, so while the client's window is full they queue, up to a bound: a client that never
 * acknowledges loses its stream, not the agent's memory.
 */
export function pipeEvents(options: {
  stream: OutboundStream;
  bus: EventBus;
  auth: AuthService;
  tokenHash: string;
  registry: StoreInstanceRegistry;
  /** Sent first, through the same filter (the recovery pass under way). */
  replay?: AgentEvent[];
}): void {
  const { stream, auth, registry } = options;
  const known = new Set<string>();
  let pending: AgentEvent[] = [];
  let open = true;

  const visible = (event: AgentEvent): boolean => {
    const caller = auth.authenticate(options.tokenHash);
    if (caller.role === 'admin') return true;
    switch (event.type) {
      case 'instance.changed': {
        const ok = canSee(caller, event.instance);
        if (ok) known.add(event.instance.id);
        else known.delete(event.instance.id);
        return ok;
      }
      case 'instance.deleted': {
        const ok = known.has(event.instanceId);
        known.delete(event.instanceId);
        return ok;
      }
      case 'instance.progress':
        return seeId(event.event.instanceId);
      case 'backup.progress':
        return seeId(event.event.instanceId);
      case 'instance.diagnosed':
      case 'instance.repaired':
      case 'domain.certificateExpiring':
        return seeId(event.instanceId);
      case 'instance.applying':
        return seeId(event.event.instanceId);
      case 'bulk.progress':
        return event.job.actor === caller.username;
      case 'agent.recovery':
        return event.event.instanceId === undefined || seeId(event.event.instanceId);
      case 'audit':
        return (
          event.entry.actor === caller.username ||
          (event.entry.target !== undefined && seeId(event.entry.target))
        );
    }
    function seeId(id: string): boolean {
      const instance = registry.get(id);
      return instance !== undefined && canSee(caller, instance);
    }
  };

  /** A user's copy of a recovery event names only the waiting projects that user may see. */
  const shown = (event: AgentEvent): AgentEvent => {
    if (event.type !== 'agent.recovery' || !event.event.waiting) return event;
    const caller = auth.authenticate(options.tokenHash);
    if (caller.role === 'admin') return event;
    const waiting = event.event.waiting.filter((id) => {
      const instance = registry.get(id);
      return instance !== undefined && canSee(caller, instance);
    });
    return { type: 'agent.recovery', event: { ...event.event, waiting } };
  };

  // Remember what this subscriber can see now, so it hears about those deletions later.
  try {
    const caller = auth.authenticate(options.tokenHash);
    for (const i of registry.list()) if (canSee(caller, i)) known.add(i.id);
  } catch {}

  let unsubscribe: () => void = () => {};
  const stop = (error?: AgentError): void => {
    if (!open) return;
    open = false;
    unsubscribe();
    pending = [];
    stream.end(error ? { code: error.code, message: error.message } : undefined);
  };

  let paused = false;
  const deliver = (raw: AgentEvent): void => {
    if (!open) return;
    let event: AgentEvent;
    try {
      if (!visible(raw)) return;
      event = shown(raw);
    } catch (error) {
      stop(error instanceof AgentError ? error : undefined);
      return;
    }
    if (paused) {
      pending.push(event);
      if (pending.length > MAX_PENDING_EVENTS) {
        stop(
          new AgentError(
            ErrorCode.BUSY,
            'Events were not acknowledged in time; subscribe again to catch up.',
          ),
        );
      }
      return;
    }
    paused = !stream.send(event);
  };
  for (const event of options.replay ?? []) deliver(event);
  if (open) unsubscribe = options.bus.subscribe(deliver);

  stream.onDrain(() => {
    paused = false;
    while (pending.length > 0 && !paused) paused = !stream.send(pending.shift());
  });
  stream.onCancel(() => {
    open = false;
    unsubscribe();
  });
}
