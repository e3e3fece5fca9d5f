import { runCommand } from '../docker/compose';

/**
 * Removes every restic container (`ultrabase.backups=restic`) still there: after an agent crash
 * a `docker run --rm` whose client died may run on. Only called when no job can be running
 * (the agent's start-up recovery). Without a docker CLI (unit tests) there is nothing to do.
 */
export async function removeResticContainers(): Promise<void> {
  const listed = await runCommand(
    'docker',
    ['ps', '-aq', '--filter', 'label=ultrabase.backups=restic'],
    { timeoutMs: 30_000 },
  ).catch(() => undefined);
  const ids = listed?.code === 0 ? listed.stdout.split('\n').filter(Boolean) : [];
  if (ids.length > 0) await runCommand('docker', ['rm', '-f', ...ids], { timeoutMs: 60_000 });
}
