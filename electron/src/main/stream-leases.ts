import { DESKTOP_METHODS, type DesktopEvent, type DesktopMethod } from '@contract/api';
import type { DesktopHandlers } from './ipc-wrapper';

/**
 * Log streams are flow-controlled end to end: the core stops reading from the agent until the
 * page acknowledges what it rendered (`ackStream`, forwarded unchanged by main). A page that
 * reloads or crashes never acknowledges again, and the agent would keep those streams open
 * and paused forever. So main remembers which streams the window opened and closes them when
 * that page goes away.
 */
export class StreamLeases {
  private readonly open = new Set<string>();

  constructor(private readonly closeStream: (stream: string) => Promise<void>) {}

  add(stream: string): void {
    this.open.add(stream);
  }

  end(stream: string): void {
    this.open.delete(stream);
  }

  has(stream: string): boolean {
    return this.open.has(stream);
  }

  get size(): number {
    return this.open.size;
  }

  /** Closes every stream still open; failures are ignored (the stream may already be gone). */
  async releaseAll(): Promise<void> {
    const streams = [...this.open];
    this.open.clear();
    await Promise.allSettled(streams.map((stream) => this.closeStream(stream)));
  }

  /** Keeps the set current from the core's events (a stream that ended needs no closing). */
  observe(event: DesktopEvent): void {
    if (event.type === 'stream.end') this.open.delete(event.stream);
  }
}

/** The core's handlers, with `followLogs`/`closeStream` recording leases for the window. */
export function withStreamLeases(core: DesktopHandlers, leases: StreamLeases): DesktopHandlers {
  return {
    ...bindAll(core),
    async followLogs(serverId, instanceId, options) {
      const opened = await core.followLogs(serverId, instanceId, options);
      leases.add(opened.stream);
      return opened;
    },
    async closeStream(stream) {
      leases.end(stream);
      await core.closeStream(stream);
    },
  };
}

/** Forwards every contract method to the core, called on the core (it may be a class). */
function bindAll(core: DesktopHandlers): DesktopHandlers {
  const bound: Partial<Record<DesktopMethod, unknown>> = {};
  for (const method of DESKTOP_METHODS) {
    const fn = core[method] as (...args: unknown[]) => unknown;
    bound[method] = (...args: unknown[]) => fn.apply(core, args);
  }
  return bound as DesktopHandlers;
}
