import path from 'node:path';
import { COMPOSE_PROJECT_LABEL, type DockerEngine } from '../docker/engine';

/** Compose v1 and v2 record the project directory on every container they create. */
export const WORKING_DIR_LABEL = 'com.docker.compose.project.working_dir';

const PROJECT_RE = /^ub_([a-z0-9]{6,32})$/;

export interface OrphanProject {
  project: string;
  instanceId: string;
  containers: { id: string; name: string }[];
  networks: { id: string; name: string }[];
}

/**
 * Containers and networks of `ub_*` projects that no registry entry claims: what a deletion cut
 * short or a restored backup leaves behind. A project counts as ours only when its containers
 * were created from a directory under this agent's `instances/` folder: another agent on the
 * same engine (a root and a per-user install, or a test) owns its own `ub_*` projects, and
 * removing those would destroy someone else's instance. A network left with no container at all
 * carries no directory, so it cannot be attributed and is left alone.
 */
export async function findOrphans(
  engine: DockerEngine,
  opts: { instancesRoot: string; isRegistered(instanceId: string): boolean },
): Promise<OrphanProject[]> {
  const containers = await engine.listContainers({ all: true });
  const byProject = new Map<string, OrphanProject>();
  const root = path.resolve(opts.instancesRoot);
  for (const c of containers) {
    const project = c.Labels[COMPOSE_PROJECT_LABEL];
    const match = project ? PROJECT_RE.exec(project) : null;
    if (!project || !match?.[1]) continue;
    const instanceId = match[1];
    if (opts.isRegistered(instanceId)) continue;
    const dir = c.Labels[WORKING_DIR_LABEL];
    if (!dir || path.resolve(dir) !== path.join(root, instanceId)) continue;
    let entry = byProject.get(project);
    if (!entry) {
      entry = { project, instanceId, containers: [], networks: [] };
      byProject.set(project, entry);
    }
    entry.containers.push({ id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, '') });
  }
  for (const entry of byProject.values()) {
    const networks = await engine.listNetworks(entry.project);
    entry.networks = networks.map((n) => ({ id: n.Id ?? n.Name, name: n.Name }));
  }
  return [...byProject.values()].sort((a, b) => a.project.localeCompare(b.project));
}
