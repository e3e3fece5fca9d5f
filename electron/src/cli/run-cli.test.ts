import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@contract/api';
import { FP_NEW, fakeDesktop, fakeIo, project, run } from './cli-test-kit';

const C = { LANG: 'C' };
const PT = { LANG: 'pt_BR.UTF-8' };

describe('the runner', () => {
  it('prints the usage generated from the table; no command is a usage error', async () => {
    const help = await run(['--help'], fakeDesktop());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'projects create <server> <name> [--public] [--wait] [--dry-run]',
    );
    const none = await run([], fakeDesktop());
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no command given');
  });

  it('answers a usage error with exit 2, the command help and, with --json, a coded error', async () => {
    const d = fakeDesktop();
    const r = await run(['projects', 'create', 'web', '--frob', '--json'], d);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'UNKNOWN_FLAG', message: 'unknown option --frob for "projects create"' },
    });
    expect(r.stderr).toContain('usage: ultrabase projects create <server> <name>');
    expect(r.stderr).not.toContain('users delete');
    // A wrong command line never reaches the desktop.
    expect(d.calls).toEqual([]);
  });

  it('closes the desktop after every command, failed or not', async () => {
    const d = fakeDesktop();
    await run(['servers', 'remove', 'nope'], d);
    expect(d.calls.at(-1)).toEqual(['close']);
  });
});

describe('language of the output', () => {
  it('speaks pt-BR to people when LANG starts with pt, English otherwise', async () => {
    const pt = await run(['servers', 'remove', 'nope'], fakeDesktop(), fakeIo({ env: PT }));
    expect(pt.stderr).toBe(
      'erro SERVER_NOT_FOUND: Não existe servidor chamado "nope" (veja: ultrabase servers list).\n',
    );
    const en = await run(['servers', 'remove', 'nope'], fakeDesktop(), fakeIo({ env: C }));
    expect(en.stderr).toBe(
      'error SERVER_NOT_FOUND: There is no server named "nope" (see: ultrabase servers list).\n',
    );
    const help = await run(['--help'], fakeDesktop(), fakeIo({ env: PT }));
    expect(help.stdout).toContain('criar projeto (--wait acompanha a criação até o fim)');
  });

  it('never changes --json output: byte for byte the same under LANG=pt_BR.UTF-8 and LANG=C', async () => {
    const creation: ProgressEvent[] = [
      {
        instanceId: 'inst-shop',
        seq: 1,
        at: '',
        step: 'queued',
        status: 'started',
        queuePosition: 1,
      },
      { instanceId: 'inst-shop', seq: 2, at: '', step: 'done', status: 'done' },
    ];
    const scenarios: Array<{
      argv: string[];
      stdin?: string;
      setup?: (d: ReturnType<typeof fakeDesktop>) => void;
    }> = [
      { argv: ['servers', 'list', '--json'] },
      { argv: ['projects', 'list', '--json'] },
      {
        argv: ['projects', 'create', 'web', 'shop', '--wait', '--json'],
        setup: (d) => (d.progress = [{ events: creation, finished: true }]),
      },
      { argv: ['projects', 'diagnose', 'web', 'shop', '--json'] },
      { argv: ['projects', 'credentials', 'web', 'shop', '--json'] },
      { argv: ['users', 'list', 'web', '--json'] },
      { argv: ['logs', 'web', 'shop', '--json'] },
      { argv: ['servers', 'remove', 'nope', '--json'] },
      { argv: ['projects', 'start', 'web', 'nope', '--json'] },
      { argv: ['servers', 'trust', 'web', '--fingerprint', FP_NEW, '--json'] },
      {
        argv: ['servers', 'trust', 'web', '--json'],
        setup: (d) => d.presented.set('srv-web', FP_NEW),
      },
      { argv: ['servers', 'add', 'x', '--host', 'h', '--password=hunter2', '--json'] },
      { argv: ['projects', 'frob', '--json'] },
      { argv: ['users', 'create', 'web', 'bob', '--json'] },
    ];
    for (const s of scenarios) {
      const outputs = [];
      for (const env of [C, PT]) {
        const d = fakeDesktop({
          projects: s.argv.includes('create') ? [] : [project({ name: 'shop' })],
        });
        s.setup?.(d);
        const r = await run(s.argv, d, fakeIo({ env, ...(s.stdin ? { stdin: s.stdin } : {}) }));
        outputs.push({ code: r.code, stdout: r.stdout, stderr: r.stderr });
      }
      const [c, pt] = outputs;
      expect(c!.stdout.length, s.argv.join(' ')).toBeGreaterThan(0);
      expect(Buffer.from(pt!.stdout).equals(Buffer.from(c!.stdout)), s.argv.join(' ')).toBe(true);
      expect(pt!.code).toBe(c!.code);
    }
  });
});
