// Smoke test of the Docker rig: the machine's real engine builds a tiny image (no registry here)
// and runs a container from it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { busyboxImage } from './busybox';

function docker(args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(
      'docker',
      args,
      // Debian's engine has no buildx; the classic builder is all this image needs.
      { timeout: timeoutMs, env: { ...process.env, DOCKER_BUILDKIT: '0' } },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`))
          : resolve({ stdout, stderr }),
    ),
  );
}

describe('docker (the rig engine)', () => {
  it('builds a busybox image from scratch and runs a container from it', async () => {
    await docker(['info', '--format', '{{.ServerVersion}}'], 20_000).catch((err: Error) => {
      throw new Error(
        `dockerd is not reachable (bash test/rig/provision starts it): ${err.message}`,
      );
    });
    const image = await busyboxImage();
    const nonce = randomBytes(8).toString('hex');
    const { stdout } = await docker(['run', '--rm', '--init', image, 'echo', nonce]);
    expect(stdout.trim()).toBe(nonce);
    // --init puts docker-init at PID 1, so SIGTERM stops the container at once (DESIGN.md §6).
    const pid1 = await docker(['run', '--rm', '--init', image, 'cat', '/proc/1/comm']);
    expect(pid1.stdout.trim()).toBe('docker-init');
    const shell = await docker([
      'run',
      '--rm',
      '--init',
      '--entrypoint',
      '/bin/sh',
      image,
      '-c',
      'echo $((6*7))',
    ]);
    expect(shell.stdout.trim()).toBe('42');
  });
});
