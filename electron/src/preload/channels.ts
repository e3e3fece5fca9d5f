import type { DesktopMethod } from '@contract/api';

/**
 * IPC channel names shared by main and the preload. One channel per DesktopApi method, so
 * main registers exactly one handler per method, plus one channel for every pushed event.
 * Plain constants only: the sandboxed preload may import nothing from Node.
 */
export const INVOKE_CHANNEL_PREFIX = 'ultrabase:call:';
export const EVENT_CHANNEL = 'ultrabase:event';

export function invokeChannel(method: DesktopMethod): string {
  return `${INVOKE_CHANNEL_PREFIX}${method}`;
}
