import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { FP_OLD, fakeDesktop, fakeIo, project, run, server } from '../cli-test-kit';

const pinned = { fingerprint: FP_OLD, algorithm: 'ssh-ed25519', trustedAt: '' };

function event(
  patch: Partial<ProgressEvent> & Pick<ProgressEvent, 'step' | 'status'>,
): ProgressEvent {
  return { instanceId: 'inst-shop', seq: 0, at: '', ...patch };
}

const creation: ProgressEvent[] = [
  event({ step: 'queued', status: 'started', queuePosition: 1 }),
  event({ step: 'queued', status: 'done', queuePosition: 0 }),
  event({ step: 'resources', status: 'done' }),
  event({ step: 'pull', status: 'progress', image: 'supabase/gotrue', percent: 40 }),
  event({ step: 'pull', status: 'done', image: 'supabase/gotrue' }),
  event({ step: 'start', status: 'retry', attempt: 1, message: 'port busy' }),
  event({ step: 'health', status: 'progress', service: 'auth', health: 'healthy' }),
  event({ step: 'done', status: 'done' }),
];

describe('projects list', () => {
  it('connects every server, lists all projects and reports the ones that failed', async () => {
    const d = fakeDesktop({
      servers: [server({ name: 'web', hostKey: pinned }), server({ name: 'db', hostKey: pinned })],
      projects: [project({ name: 'shop' })],
    });
    d.failing.set('srv-web', new UltrabaseError('CONNECTION_REFUSED', 'refused'));
    const r = await run(['projects', 'list', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      projects: [{ name: 'shop' }],
      errors: [{ server: 'web', code: 'CONNECTION_REFUSED' }],
    });
    expect(r.stderr).toContain('warning: web: CONNECTION_REFUSED');
    d.failing.clear();
    const human = await run(['projects', 'list', '--server', 'web'], d);
    expect(human.stdout).toMatch(/^SERVER\s+NAME\s+ID\s+STATUS/);
    expect(human.stdout).toContain('running');
  });

  it('skips "This computer" until its agent exists', async () => {
    const d = fakeDesktop({
      servers: [server({ name: 'This computer', id: 'local', kind: 'local' })],
    });
    await run(['projects', 'list'], d);
    expect(d.calls.some((c) => c[0] === 'connectServer')).toBe(false);
  });
});

describe('projects create', () => {
  it('creates a dry run and prints the project', async () => {
    const d = fakeDesktop();
    const r = await run(
      ['projects', 'create', 'web', 'shop', '--dry-run', '--public', '--json'],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'createProject')).toEqual([
      'createProject',
      'srv-web',
      { name: 'shop', exposure: 'public', dryRun: true },
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({ project: { name: 'shop' }, queuePosition: 2 });
  });

  it('--wait follows the creation to the end, with plain lines when stderr is not a terminal', async () => {
    const d = fakeDesktop();
    d.progress = [
      { events: creation.slice(0, 1), finished: false },
      { events: creation, finished: true },
    ];
    const r = await run(['projects', 'create', 'web', 'shop', '--wait'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/shop\s+inst-shop\s+running/);
    expect(r.stderr).toContain('waiting in the queue: position 1');
    expect(r.stderr).toContain('image supabase/gotrue 100%');
    expect(r.stderr).toContain('start: attempt 1 failed, retrying: port busy');
    expect(r.stderr).toContain('creating shop 100%');
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('--wait draws bars on a terminal', async () => {
    const d = fakeDesktop();
    d.progress = [{ events: creation, finished: true }];
    const r = await run(['projects', 'create', 'web', 'shop', '--wait'], d, fakeIo({ tty: true }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/creating shop\s+█{24} 100%/);
    expect(r.stderr).toMatch(/image supabase\/gotrue\s+█{24} 100%/);
    expect(r.stderr).toContain('\x1b[');
  });

  it('--wait with --json prints only the final JSON on stdout and no progress', async () => {
    const d = fakeDesktop();
    d.progress = [{ events: creation, finished: true }];
    const r = await run(['projects', 'create', 'web', 'shop', '--wait', '--json'], d);
    expect(JSON.parse(r.stdout)).toMatchObject({
      project: { status: 'running' },
      queuePosition: 2,
    });
    expect(r.stderr).toBe('');
  });

  it('a failed creation exits 1 with the failure code', async () => {
    const d = fakeDesktop();
    const failure = { code: 'PULL_FAILED', message: 'no such image' };
    d.progress = [
      {
        events: [
          event({ step: 'pull', status: 'failed', error: failure }),
          event({ step: 'rollback', status: 'done' }),
        ],
        finished: true,
      },
    ];
    const r = await run(['projects', 'create', 'web', 'shop', '--wait', '--json'], d);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'PULL_FAILED',
      data: { instanceId: 'inst-shop' },
    });
  });

  it('Ctrl-C during --wait cancels the creation, waits for the rollback, and exits 130', async () => {
    const d = fakeDesktop();
    d.progress = [{ events: creation.slice(0, 1), finished: false }];
    let polls = 0;
    const io = fakeIo({ onSleep: () => ++polls === 3 && io.interrupt() });
    const r = await run(['projects', 'create', 'web', 'shop', '--wait'], d, io);
    expect(r.code).toBe(130);
    expect(d.calls.filter((c) => c[0] === 'projectProgress')).toHaveLength(3);
    expect(d.calls).toContainEqual(['cancelCreation', 'inst-shop']);
    expect(r.stderr).toContain('Cancelling the creation of shop');
    expect(r.stderr).toContain('Cancelled: nothing of shop is left running');
    expect(d.projects[0]).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
    expect(d.calls.at(-1)).toEqual(['close']);
  });

  it('Ctrl-C after the creation already finished says so instead of failing', async () => {
    const d = fakeDesktop();
    d.progress = [{ events: creation.slice(0, 1), finished: false }];
    let polls = 0;
    const io = fakeIo({
      onSleep: () => {
        if (++polls !== 2) return;
        d.projects[0]!.status = 'running';
        io.interrupt();
      },
    });
    const r = await run(['projects', 'create', 'web', 'shop', '--wait', '--json'], d, io);
    expect(r.code).toBe(130);
    expect(JSON.parse(r.stdout)).toMatchObject({
      project: { status: 'running' },
      cancelled: false,
    });
    expect(r.stderr).toContain('had already finished (running)');
  });

  it('Ctrl-C during --wait speaks Portuguese when LANG is pt-BR', async () => {
    const d = fakeDesktop();
    d.progress = [{ events: creation.slice(0, 1), finished: false }];
    let polls = 0;
    const io = fakeIo({
      env: { LANG: 'pt_BR.UTF-8' },
      onSleep: () => ++polls === 2 && io.interrupt(),
    });
    const r = await run(['projects', 'create', 'web', 'shop', '--wait'], d, io);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Cancelado: nada de shop ficou rodando');
  });
});

describe('project actions', () => {
  const seeded = () => fakeDesktop({ projects: [project({ name: 'shop' })] });

  it('projects cancel cancels a creation in progress and shows the rolled-back project', async () => {
    const d = fakeDesktop({ projects: [project({ name: 'shop', status: 'creating' })] });
    const r = await run(['projects', 'cancel', 'web', 'shop', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls).toContainEqual(['cancelCreation', 'inst-shop']);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
    const human = await run(
      ['projects', 'cancel', 'web', 'shop'],
      fakeDesktop({ projects: [project({ name: 'shop', status: 'queued' })] }),
    );
    expect(human.stdout).toContain('cancelled the creation of shop (now failed)');
  });

  it('projects cancel on a project not being created fails with INVALID_STATE', async () => {
    const r = await run(['projects', 'cancel', 'web', 'shop', '--json'], seeded());
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('start, stop and restart the named project', async () => {
    for (const action of ['start', 'stop', 'restart'] as const) {
      const d = seeded();
      const r = await run(['projects', action, 'web', 'shop', '--json'], d);
      expect(r.code, r.stderr).toBe(0);
      expect(d.calls.some((c) => c[0] === `${action}Project` && c[1] === 'inst-shop')).toBe(true);
      expect(JSON.parse(r.stdout).status).toBe(action === 'stop' ? 'stopped' : 'running');
    }
  });

  it('refuses an unknown project with NOT_FOUND', async () => {
    const r = await run(['projects', 'start', 'web', 'nope', '--json'], seeded());
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'NOT_FOUND',
      data: { project: 'nope' },
    });
  });

  it('deletes, shows credentials, diagnoses and repairs', async () => {
    const d = seeded();
    expect((await run(['projects', 'credentials', 'web', 'shop'], d)).stdout).toMatch(
      /postgresPassword\s+pg-pass/,
    );
    expect((await run(['projects', 'diagnose', 'web', 'shop'], d)).stdout).toMatch(
      /Kong answers\s+warn\s+502\s+restart/,
    );
    expect((await run(['projects', 'repair', 'web', 'shop', '--dry-run'], d)).stdout).toContain(
      'nothing to repair',
    );
    expect(d.calls.find((c) => c[0] === 'repairProject')).toEqual([
      'repairProject',
      'inst-shop',
      { dryRun: true },
    ]);
    expect((await run(['projects', 'repair', 'web', 'shop'], d)).stdout).toMatch(
      /restart\s+kong\s+unhealthy\s+yes/,
    );
    const del = await run(['projects', 'delete', 'web', 'shop', '--json'], d);
    expect(JSON.parse(del.stdout)).toEqual({ ok: true, deleted: 'inst-shop' });
  });

  it('open prints the address; a private project on a server keeps its forward until Ctrl-C', async () => {
    const pub = fakeDesktop({ projects: [project({ name: 'shop', exposure: 'public' })] });
    const r = await run(['projects', 'open', 'web', 'shop', '--target', 'api'], pub);
    expect(r.stdout).toBe('http://127.0.0.1:54321/api\n');
    const io = fakeIo();
    const waiting = run(['projects', 'open', 'web', 'shop'], seeded(), io);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(io.stdout.text).toBe('http://127.0.0.1:54321/studio\n');
    io.interrupt();
    expect((await waiting).code).toBe(0);
    expect((await run(['projects', 'open', 'web', 'shop', '--target', 'ftp'], seeded())).code).toBe(
      2,
    );
  });
});

describe('an operation the agent was cut off in', () => {
  const rolledBack = {
    kind: 'create' as const,
    outcome: 'rolled-back' as const,
    step: 'start',
    at: '2026-12-02T10:00:00.000Z',
    message:
      'The creation was interrupted at step "start" (the agent stopped); it was rolled back.',
  };
  const desktop = () =>
    fakeDesktop({
      servers: [
        server({
          name: 'web',
          hostKey: { fingerprint: FP_OLD, algorithm: 'ssh-ed25519', trustedAt: '' },
        }),
      ],
      projects: [
        project({
          name: 'shop',
          status: 'failed',
          lastOperation: rolledBack,
          error: { code: 'CANCELLED', reason: rolledBack.message, at: rolledBack.at },
        }),
        project({ name: 'blog', id: 'inst-blog' }),
      ],
    });

  it('projects list says what was undone under the table, in English and Portuguese', async () => {
    const r = await run(['projects', 'list', '--server', 'web'], desktop());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      '\nshop: The creation was interrupted at step “start” and rolled back.\n',
    );
    expect(r.stdout).not.toContain('blog:');
    const pt = await run(
      ['projects', 'list', '--server', 'web'],
      desktop(),
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(pt.stdout).toContain(
      'shop: A criação foi interrompida na etapa “inicialização” e desfeita.',
    );
    // --json never changes: the record as the agent sent it.
    const json = await run(['projects', 'list', '--server', 'web', '--json'], desktop());
    expect(JSON.parse(json.stdout)[0].lastOperation).toEqual(rolledBack);
  });

  it('projects show says it too, naming a step it does not know as the agent wrote it', async () => {
    const d = desktop();
    d.projects[0]!.lastOperation = {
      ...rolledBack,
      kind: 'upgrade',
      outcome: 'failed',
      step: 'warp',
    };
    const r = await run(['projects', 'show', 'web', 'shop'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS');
    expect(r.stdout).toContain(
      'An upgrade was interrupted at step “warp” and could not be finished or undone: run a diagnosis.',
    );
    const blog = await run(['projects', 'show', 'web', 'blog'], d);
    expect(blog.stdout).not.toContain('interrupted');
  });
});
