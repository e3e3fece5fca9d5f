import { useEffect, useState } from 'react';
import type { DesktopApi, ServerCapacity } from '@contract/api';

export type FixedSize = 'small' | 'medium' | 'large';
export const BEST_FIT = 'best-fit';

/**
 * The server with the most room for one more project of this size (then the most free memory),
 * or undefined when none has room; the same rule as the CLI's `projects create auto`.
 */
export function bestFit(
  capacities: Readonly<Record<string, ServerCapacity>>,
  size: FixedSize,
): { serverId: string; fits: number } | undefined {
  let best: { serverId: string; fits: number; free: number } | undefined;
  for (const [serverId, c] of Object.entries(capacities)) {
    const fits = c.fits[size];
    if (fits <= 0) continue;
    if (!best || fits > best.fits || (fits === best.fits && c.memoryFreeMb > best.free)) {
      best = { serverId, fits, free: c.memoryFreeMb };
    }
  }
  return best && { serverId: best.serverId, fits: best.fits };
}

/** Capacity of each connected server, read once when the dialog opens (older agents: absent). */
export function useCapacities(
  api: DesktopApi,
  serverIds: readonly string[],
): Record<string, ServerCapacity> {
  const [capacities, setCapacities] = useState<Record<string, ServerCapacity>>({});
  const key = serverIds.join(',');
  useEffect(() => {
    let live = true;
    for (const id of key ? key.split(',') : []) {
      api.serverCapacity(id).then(
        (c) => live && setCapacities((all) => ({ ...all, [id]: c })),
        () => undefined,
      );
    }
    return () => {
      live = false;
    };
  }, [api, key]);
  return capacities;
}
