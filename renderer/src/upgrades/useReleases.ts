import { useEffect, useSyncExternalStore } from 'react';
import type { DesktopApi } from '@contract/api';
import { useApp } from '../app/store';
import type { ServerReleases } from './releaseStatus';

// The releases each server's agent knows change only with an agent upgrade: fetched once per
// server and session, shared by every view (table rows, project page, banner).
const cache: Record<string, ServerReleases | undefined> = {};
const asked = new Set<string>();
const listeners = new Set<() => void>();
let snapshot: Record<string, ServerReleases | undefined> = {};

function publish(): void {
  snapshot = { ...cache };
  for (const l of listeners) l();
}

function load(api: DesktopApi, serverId: string): void {
  if (asked.has(serverId)) return;
  asked.add(serverId);
  api.stackReleases(serverId).then(
    (r) => {
      cache[serverId] = r;
      publish();
    },
    // An older agent without releases, or not connected yet: asked again next time.
    () => asked.delete(serverId),
  );
}

/** Releases per server id for the given servers (absent until their agent answered). */
export function useReleases(
  serverIds: readonly string[],
): Record<string, ServerReleases | undefined> {
  const api = useApp((s) => s.api);
  const key = [...new Set(serverIds)].sort().join(',');
  useEffect(() => {
    for (const id of key.split(',').filter(Boolean)) load(api, id);
  }, [api, key]);
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => snapshot,
    () => snapshot,
  );
}
