import { isReady } from '../instances/state';
import type { ServiceState } from '@protocol/types';
import { COMPOSE_SERVICE_LABEL, type DockerEngine } from '../docker/engine';
import { byCodeUnit } from '../common/compare';

/**
 * Each service's container as Docker sees it now. Services of the stack without a container
 * show as `missing`, so a removed container counts as a problem rather than silently vanishing.
 */
/** A running container of a project, as the exit fast path (./exit-watch.ts) needs it. */
export interface RunningContainer {
  service: string;
  id: string;
  pid: number;
}

export async function readServiceStates(
  engine: DockerEngine,
  project: string,
  expectedServices: readonly string[] = [],
  /** Told about each running container's main process (the exit fast path watches it). */
  onRunning?: (container: RunningContainer) => void,
): Promise<ServiceState[]> {
  const containers = await engine.listContainers({ project, all: true });
  const states = new Map<string, ServiceState>();
  await Promise.all(
    containers.map(async (c) => {
      const service = c.Labels[COMPOSE_SERVICE_LABEL];
      if (!service || c.Labels['com.docker.compose.oneoff'] === 'True') return;
      const info = await engine.inspectContainer(c.Id).catch(() => undefined);
      if (!info) return; // removed between list and inspect
      const state: ServiceState = {
        service,
        state: info.State.Restarting ? 'restarting' : info.State.Status,
        health: info.State.Health?.Status ?? 'none',
        restarts: info.RestartCount,
      };
      if (!info.State.Running) state.exitCode = info.State.ExitCode;
      else if (info.State.Pid) onRunning?.({ service, id: info.Id, pid: info.State.Pid });
      if (info.State.OOMKilled) state.oomKilled = true;
      states.set(service, state);
    }),
  );
  for (const service of expectedServices) {
    if (!states.has(service))
      states.set(service, { service, state: 'missing', health: 'none', restarts: 0 });
  }
  return [...states.values()].sort((a, b) => byCodeUnit(a.service, b.service));
}

const SEVERITY: Record<string, number> = {
  unhealthy: 5,
  exited: 4,
  dead: 4,
  restarting: 3,
  missing: 2,
};

/** The service to blame for a stack that is not ready: the most clearly broken one. */
export function worstService(states: readonly ServiceState[]): ServiceState | undefined {
  let worst: ServiceState | undefined;
  let worstScore = -1;
  for (const s of states) {
    if (isReady(s)) continue;
    const score = s.health === 'unhealthy' ? SEVERITY.unhealthy! : (SEVERITY[s.state] ?? 1);
    if (score > worstScore) {
      worst = s;
      worstScore = score;
    }
  }
  return worst;
}
