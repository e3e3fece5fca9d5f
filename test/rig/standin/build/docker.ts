// The few docker CLI calls the image build needs, each with an argument array.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Tags (`repo:tag`) present in the engine under `ultrabase-standin/*`, with their sizes. */
export async function existingStandinTags(): Promise<Map<string, string>> {
  const { stdout } = await run('docker', [
    'images',
    '--filter',
    'reference=ultrabase-standin/*',
    '--format',
    '{{.Repository}}:{{.Tag}} {{.Size}}',
  ]);
  const tags = new Map<string, string>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const [tag = '', size = ''] = line.split(' ');
    tags.set(tag, size);
  }
  return tags;
}

export async function dockerBuild(contextDir: string, tag: string, noCache = false): Promise<void> {
  const args = ['build', '--force-rm', ...(noCache ? ['--no-cache'] : []), '-t', tag, contextDir];
  try {
    await run('docker', args, {
      maxBuffer: 64 << 20,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`docker build of ${tag} failed:\n${tail}`);
  }
}

/**
 * An image that only changes configuration (environment, entrypoint, labels): a commit of a
 * created, never started container costs a fraction of a second, where the legacy builder
 * commits one container per Dockerfile instruction.
 */
export async function dockerCommit(from: string, tag: string, changes: string[]): Promise<void> {
  const { stdout } = await run('docker', ['create', from]);
  const container = stdout.trim();
  try {
    const args = ['commit'];
    for (const change of changes) args.push('--change', change);
    await run('docker', [...args, container, tag]);
  } finally {
    await run('docker', ['rm', container]).catch(() => undefined);
  }
}
