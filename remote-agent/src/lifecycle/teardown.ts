import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Compose, ComposeProject } from '../docker/compose';
import type { DockerEngine } from '../docker/engine';

/**
 * Removes every container, network and volume of a compose project. `compose down -v` does
 * the ordered part; the Engine API sweep after it catches what compose cannot see (its file
 * is gone, a container was created by hand with the project's label, a network survived
 * a half-finished down), so a rollback or a delete leaves nothing with the project's label.
 */
export async function removeProject(
  engine: DockerEngine,
  compose: Compose | undefined,
  project: ComposeProject,
): Promise<{ composeError?: string }> {
  let composeError: string | undefined;
  const hasFile = await access(join(project.dir, 'docker-compose.yml')).then(
    () => true,
    () => false,
  );
  if (compose && hasFile) {
    try {
      await compose.run(project, 'down', { extra: ['--timeout', '10'], timeoutMs: 5 * 60_000 });
    } catch (err) {
      composeError = err instanceof Error ? err.message : String(err);
    }
  }
  const containers = await engine.listContainers({ project: project.name, all: true });
  await Promise.all(containers.map((c) => engine.removeContainer(c.Id)));
  const networks = await engine.listNetworks(project.name);
  await Promise.all(networks.map((n) => engine.removeNetwork(n.Id ?? n.Name)));
  const volumes = await engine.listVolumes(project.name);
  await Promise.all(volumes.map((v) => engine.removeVolume(v.Name)));
  return composeError ? { composeError } : {};
}
