import { useEffect, useRef, useState } from 'react';
import type { DesktopApi, ProjectView, ServiceStats } from '@contract/api';

/** A project's CPU (percent of one core, summed over its containers) and memory in use. */
export interface ProjectUsage {
  cpuPercent: number;
  memoryBytes: number;
  /** When it was read (ms since epoch). */
  at: number;
}

/** Readings older than this are read again while the row is in view. */
export const USAGE_TTL_MS = 15_000;
/** Stats calls in flight at once: each makes the agent sample every container of a project. */
export const USAGE_PARALLEL = 3;

export function sumUsage(stats: readonly ServiceStats[], at: number): ProjectUsage {
  let cpuPercent = 0;
  let memoryBytes = 0;
  for (const s of stats) {
    cpuPercent += s.cpuPercent;
    memoryBytes += s.memoryBytes;
  }
  return { cpuPercent, memoryBytes, at };
}

const READABLE = new Set(['running', 'degraded', 'restarting', 'starting']);

/**
 * CPU and memory of the projects in view, from the agent's existing `stats.instance`. Only the
 * rows the table shows are read (a virtualised table of 500 shows ~30), a few at a time, again
 * every USAGE_TTL_MS: 500 projects never cost 500 stats calls. Keyed `serverId/instanceId`.
 */
export function useFleetUsage(
  api: Pick<DesktopApi, 'projectStats'>,
  inView: readonly ProjectView[],
  now: () => number = Date.now,
): Record<string, ProjectUsage> {
  const [usage, setUsage] = useState<Record<string, ProjectUsage>>({});
  const usageRef = useRef(usage);
  const state = useRef({ inFlight: new Set<string>(), wanted: [] as ProjectView[], live: true });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const s = state.current;
    s.live = true;
    const timer = setInterval(() => setTick((n) => n + 1), USAGE_TTL_MS);
    return () => {
      s.live = false;
      clearInterval(timer);
    };
  }, []);

  const keys = inView.map((p) => `${p.serverId}/${p.id}/${p.status}`).join(',');
  useEffect(() => {
    const s = state.current;
    s.wanted = inView.filter((p) => READABLE.has(p.status));
    const pump = () => {
      while (s.inFlight.size < USAGE_PARALLEL) {
        const next = s.wanted.find((p) => {
          const key = `${p.serverId}/${p.id}`;
          const known = usageRef.current[key];
          return !s.inFlight.has(key) && (!known || now() - known.at >= USAGE_TTL_MS);
        });
        if (!next) return;
        const key = `${next.serverId}/${next.id}`;
        s.inFlight.add(key);
        void api
          .projectStats(next.serverId, next.id)
          .then(
            (stats) => {
              const reading = sumUsage(stats, now());
              usageRef.current = { ...usageRef.current, [key]: reading };
              if (s.live) setUsage(usageRef.current);
            },
            // Unreadable now (stopped meanwhile, server gone): keep the cell empty, try later.
            () => {
              usageRef.current = { ...usageRef.current, [key]: { ...NO_READING, at: now() } };
            },
          )
          .finally(() => {
            s.inFlight.delete(key);
            if (s.live) pump();
          });
      }
    };
    pump();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `keys` stands for `inView`
  }, [keys, tick, api]);

  return usage;
}

const NO_READING: ProjectUsage = { cpuPercent: Number.NaN, memoryBytes: Number.NaN, at: 0 };
