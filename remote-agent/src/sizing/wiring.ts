import { expectedStack } from '../diagnostics/expected-stack';
import type { DockerHost } from '../docker/host';
import type { InstanceFiles } from '../instances/files';
import type { StackSettings } from '../instances/stack-input';
import type { InstanceLocks } from '../instances/state';
import { applyStackChange, type ApplyDeps } from '../lifecycle/apply';
import { readServiceStates } from '../lifecycle/status';
import type { InstanceRegistry } from '../lifecycle/types';
import { PORT_KINDS, type AgentConfig } from '../config/schema';
import type { AgentEvent } from '@protocol/types';

/**
 * The apply path's real dependencies, as the settings branch wires them for its own changes
 * (settings/wiring.ts createApplyDeps there; the same fields): merge both into one when both land.
 */
export function capacityApplyDeps(w: {
  registry: InstanceRegistry;
  files: InstanceFiles;
  docker: DockerHost;
  locks: InstanceLocks;
  stack: StackSettings;
  emit(event: AgentEvent): void;
  now(): Date;
  healthTimeoutMs?: number;
}): ApplyDeps {
  return {
    registry: w.registry,
    locks: w.locks,
    instanceDir: (id) => w.files.dir(id),
    readSecrets: (id) => w.files.readSecrets(id),
    writeSecrets: (id, secrets) => w.files.writeSecrets(id, secrets),
    render: (instance, secrets) => expectedStack(instance, secrets, w.stack),
    compose: () => w.docker.compose(),
    readStates: (project, services) => readServiceStates(w.docker.engine, project, services),
    emit: w.emit,
    healthTimeoutMs: w.healthTimeoutMs ?? 3 * 60_000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: w.now,
  };
}

export { applyStackChange };

/** Ports left in each configured range, given the ports registry entries hold. */
export function portsLeft(config: AgentConfig, held: Set<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of PORT_KINDS) {
    const [lo, hi] = config.portRanges[kind];
    let used = 0;
    for (const port of held) if (port >= lo && port <= hi) used++;
    out[kind] = hi - lo + 1 - used;
  }
  return out;
}
