import { runCommand } from '../docker/compose';

/**
 * Removes this agent's restic containers (`ultrabase.backups=restic` and its own backups folder
 * as `ultrabase.backups.owner`) still there: after an agent crash a `docker run --rm` whose
 * client died may run on. Only called when no job of this agent can be running (its start-up
 * recovery); another agent on the same engine (a second install, a test) keeps its own.
 * Without a docker CLI (unit tests) there is nothing to do.
 */
export async function removeResticContainers(owner: string): Promise<void> {
  const listed = await runCommand(
    'docker',
    [
      'ps',
      '-aq',
      '--filter',
      'label=ultrabase.backups=restic',
      '--filter',
      `label=ultrabase.backups.owner=${owner}`,
    ],
    { timeoutMs: 30_000 },
  ).catch(() => undefined);
  const ids = listed?.code === 0 ? listed.stdout.split('\n').filter(Boolean) : [];
  if (ids.length > 0) await runCommand('docker', ['rm', '-f', ...ids], { timeoutMs: 60_000 });
}
