import { CodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Compose, ComposeProject } from '../docker/compose';
import { runCommand } from '../docker/compose';

/** The running container of a project's `db` service (what dumps and restores exec into). */
export async function dbContainer(project: string): Promise<string> {
  const r = await runCommand(
    'docker',
    [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'label=com.docker.compose.service=db',
      '--filter',
      'status=running',
    ],
    { timeoutMs: 30_000 },
  );
  const id = r.stdout.trim().split('\n')[0];
  if (r.code !== 0 || !id) {
    throw new CodedError(
      ErrorCode.INVALID_STATE,
      "The project's database is not running: start the project, then back it up or restore.",
    );
  }
  return id;
}

/** Stops every service but `db` (nothing writes while a restore replaces data). */
export async function stopAllButDb(compose: Compose, project: ComposeProject): Promise<void> {
  const services = (await compose.run(project, 'config', { extra: ['--services'] }))
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'db');
  if (services.length > 0) await compose.run(project, 'stop', { extra: services });
}

export async function startAll(compose: Compose, project: ComposeProject): Promise<void> {
  await compose.run(project, 'up');
}
