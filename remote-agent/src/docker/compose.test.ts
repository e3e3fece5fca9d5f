import { describe, expect, it } from 'vitest';
import { createCompose, detectCompose, type CommandRunner } from './compose';

type Call = { file: string; args: string[] };

function fakeRunner(
  answers: (call: Call) => { code: number; stdout?: string; stderr?: string; timedOut?: boolean },
) {
  const calls: Call[] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push({ file, args });
    const a = answers({ file, args });
    return {
      code: a.code,
      stdout: a.stdout ?? '',
      stderr: a.stderr ?? '',
      timedOut: a.timedOut ?? false,
    };
  };
  return { run, calls };
}

describe('detectCompose', () => {
  it('prefers compose v2 and falls back to docker-compose v1', async () => {
    const v2 = fakeRunner(() => ({ code: 0, stdout: 'v2.29.1\n' }));
    expect(await detectCompose(v2.run)).toEqual({
      command: ['docker', 'compose'],
      version: '2.29.1',
    });

    const v1 = fakeRunner(({ file }) =>
      file === 'docker'
        ? { code: 1, stderr: "'compose' is not a docker command" }
        : { code: 0, stdout: '1.29.2\n' },
    );
    expect(await detectCompose(v1.run)).toEqual({ command: ['docker-compose'], version: '1.29.2' });
    expect(v1.calls.map((c) => [c.file, ...c.args].join(' '))).toEqual([
      'docker compose version --short',
      'docker-compose version --short',
    ]);
  });

  it('refuses with COMPOSE_UNAVAILABLE when neither works', async () => {
    const none = fakeRunner(() => ({ code: 127 }));
    await expect(detectCompose(none.run)).rejects.toMatchObject({ code: 'COMPOSE_UNAVAILABLE' });
  });
});

describe('createCompose', () => {
  const project = { name: 'ub_abc123', dir: '/var/lib/ultrabase/instances/abc123' };

  it('passes the project, file and directory as separate arguments', async () => {
    const r = fakeRunner(() => ({ code: 0 }));
    await createCompose({ command: ['docker', 'compose'], version: '2' }, r.run).run(
      project,
      'down',
    );
    expect(r.calls[0]).toEqual({
      file: 'docker',
      args: [
        'compose',
        '-p',
        'ub_abc123',
        '-f',
        '/var/lib/ultrabase/instances/abc123/docker-compose.yml',
        '--project-directory',
        '/var/lib/ultrabase/instances/abc123',
        'down',
        '-v',
        '--remove-orphans',
      ],
    });
  });

  it('maps a failed up to START_FAILED with the end of stderr, and a timeout to TIMEOUT', async () => {
    const failing = fakeRunner(() => ({
      code: 1,
      stderr: 'Creating x\nERROR: for kong  Container "1" is unhealthy.\n',
    }));
    const c = createCompose({ command: ['docker-compose'], version: '1.29.2' }, failing.run);
    await expect(c.run(project, 'up')).rejects.toMatchObject({
      code: 'START_FAILED',
      message: expect.stringContaining('is unhealthy'),
    });
    const slow = fakeRunner(() => ({ code: 1, timedOut: true }));
    await expect(
      createCompose({ command: ['docker-compose'], version: '1' }, slow.run).run(project, 'stop'),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
