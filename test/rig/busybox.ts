// The smallest real image the rig can run: the host's static busybox in a FROM-scratch image.
// Lifecycle, fleet, disk and engine tests that are about the agent, not the Supabase kit, run
// their two-service stacks on it; the tag is the binary's hash, so it is built once per rig.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSYBOX = '/bin/busybox';

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'docker',
      args,
      // The legacy builder: BuildKit is not set up on the rig's engine.
      { timeout: 120_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`))
          : resolve(stdout),
    ),
  );
}

/** The busybox image's tag, building it first when this busybox binary has none yet. */
export async function busyboxImage(): Promise<string> {
  const digest = createHash('sha256')
    .update(await readFile(BUSYBOX))
    .digest('hex');
  const tag = `ultrabase-test/lifecycle-busybox:${digest.slice(0, 12)}`;
  const present = await docker(['image', 'inspect', tag]).then(
    () => true,
    () => false,
  );
  if (present) return tag;
  const context = await mkdtemp(join(tmpdir(), 'ubt-busybox-image-'));
  try {
    await copyFile(BUSYBOX, join(context, 'busybox'));
    await writeFile(
      join(context, 'Dockerfile'),
      // Exec form: there is no shell in the image until busybox installs its applets.
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nENTRYPOINT ["/bin/busybox"]\n',
    );
    await docker(['build', '--quiet', '--tag', tag, context]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}
