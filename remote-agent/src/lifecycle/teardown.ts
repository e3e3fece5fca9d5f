import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Compose, ComposeProject } from '../docker/compose';
import type { DockerEngine } from '../docker/engine';
import { DockerError } from '../docker/docker-error';
import { sleep as realSleep } from '../docker/retry';

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
  sleep: (ms: number) => Promise<void> = realSleep,
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
  await Promise.all(networks.map((n) => removeNetwork(engine, n.Id ?? n.Name, sleep)));
  const volumes = await engine.listVolumes(project.name);
  await Promise.all(volumes.map((v) => engine.removeVolume(v.Name)));
  return composeError ? { composeError } : {};
}

/**
 * Removes a network, waiting while dockerd still holds endpoints of containers it has just
 * removed (it answers "has active endpoints" for a moment after the last container is gone;
 * seen in CI after `compose down`). Five tries over about three seconds, then the error.
 */
export async function removeNetwork(
  engine: Pick<DockerEngine, 'removeNetwork'>,
  idOrName: string,
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await engine.removeNetwork(idOrName);
      return;
    } catch (err) {
      const busy = err instanceof DockerError && /has active endpoints/.test(err.message);
      if (!busy || attempt >= 5) throw err;
      await sleep(300 * attempt);
    }
  }
}
