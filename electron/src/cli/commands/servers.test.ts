import { describe, expect, it } from 'vitest';
import { UltrabaseError } from '@contract/errors';
import { FP_NEW, FP_OLD, fakeDesktop, fakeIo, run, server } from '../cli-test-kit';

describe('servers add', () => {
  it('reads the secrets from stdin in the documented order and never prints them', async () => {
    const d = fakeDesktop({ servers: [] });
    const io = fakeIo({ stdin: 's3cret-ssh\ns3cret-phr\ns3cret-agent\n' });
    const r = await run(
      [
        'servers',
        'add',
        'db',
        '--host',
        '10.0.0.7',
        '--ssh-password-stdin',
        '--key-passphrase-stdin',
        '--agent-password-stdin',
        '--json',
      ],
      d,
      io,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'addServer')?.[1]).toEqual({
      name: 'db',
      host: '10.0.0.7',
      auth: 'password',
      secrets: {
        sshPassword: 's3cret-ssh',
        keyPassphrase: 's3cret-phr',
        agentPassword: 's3cret-agent',
      },
    });
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'db', secrets: { agentPassword: true } });
    expect(r.stdout + r.stderr).not.toContain('s3cret');
  });

  it('picks key auth with --key, resolves the jump host, and says what to do next', async () => {
    const d = fakeDesktop();
    const r = await run(
      ['servers', 'add', 'inner', '--host', 'h', '--key', '/k', '--jump', 'web', '--port', '2222'],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'addServer')?.[1]).toMatchObject({
      auth: 'key',
      keyPath: '/k',
      jumpServerId: 'srv-web',
      port: 2222,
    });
    expect(r.stdout).toContain('next: ultrabase servers trust inner');
  });

  it('asks for a missing stdin secret with a clear usage error', async () => {
    const r = await run(
      ['servers', 'add', 'db', '--host', 'h', '--agent-password-stdin'],
      fakeDesktop(),
      fakeIo({ stdin: '' }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected Agent password for admin');
  });

  it('passes a refusal through with its code', async () => {
    const r = await run(['servers', 'add', 'web', '--host', 'h', '--json'], fakeDesktop());
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('SERVER_EXISTS');
  });
});

describe('servers list, remove, import-ssh-config', () => {
  it('lists and removes by name', async () => {
    const d = fakeDesktop();
    const list = await run(['servers', 'list'], d);
    expect(list.stdout).toMatch(/^NAME\s+ID\s+HOST/);
    expect(list.stdout).toContain(FP_OLD);
    const removed = await run(['servers', 'remove', 'WEB', '--json'], d);
    expect(JSON.parse(removed.stdout)).toEqual({ ok: true, removed: 'srv-web' });
    const gone = await run(['servers', 'remove', 'web', '--json'], d);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout).error).toMatchObject({
      code: 'SERVER_NOT_FOUND',
      data: { name: 'web' },
    });
  });

  it('imports jump hosts first and skips names that exist', async () => {
    const d = fakeDesktop();
    const r = await run(['servers', 'import-ssh-config', '/cfg', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.added.map((s: { name: string }) => s.name)).toEqual(['bastion', 'inner']);
    expect(out.skipped).toEqual(['web']);
    expect(d.calls.filter((c) => c[0] === 'addServer').map((c) => c[1])).toEqual([
      { name: 'bastion', host: '203.0.113.5', auth: 'agent', port: 2222, username: 'deploy' },
      { name: 'inner', host: '10.0.0.7', auth: 'agent', jumpServerId: 'srv-bastion' },
    ]);
  });
});

describe('servers trust, first use', () => {
  it('pins a fingerprint given on the command line when nothing is pinned yet', async () => {
    const d = fakeDesktop({ servers: [server({ name: 'web' })] });
    d.presented.set('srv-web', FP_NEW);
    const r = await run(['servers', 'trust', 'web', '--fingerprint', FP_NEW.slice(7)], d);
    expect(r.code, r.stderr).toBe(0);
    expect(d.servers[0]!.hostKey?.fingerprint).toBe(FP_NEW);
    expect(r.stdout).toContain(`web: trusted ${FP_NEW}`);
  });

  it('shows the key and asks on a terminal; "y" pins it', async () => {
    const d = fakeDesktop({ servers: [server({ name: 'web' })] });
    d.presented.set('srv-web', FP_NEW);
    const r = await run(['servers', 'trust', 'web'], d, fakeIo({ tty: true, stdin: 'y\r' }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ssh-ed25519  ${FP_NEW}`);
    expect(d.servers[0]!.hostKey?.fingerprint).toBe(FP_NEW);
  });

  it('trusts nothing without a terminal and without --fingerprint', async () => {
    const d = fakeDesktop({ servers: [server({ name: 'web' })] });
    const r = await run(['servers', 'trust', 'web', '--json'], d);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('HOST_KEY_UNKNOWN');
    expect(r.stderr).toContain('no terminal: pass --fingerprint');
    expect(d.calls.some((c) => c[0] === 'trustHostKey')).toBe(false);
  });

  it('says so when the key is already trusted', async () => {
    const r = await run(['servers', 'trust', 'web'], fakeDesktop());
    expect(r.stdout).toContain('web: the host key is already trusted');
  });

  it('rethrows other connection failures untouched', async () => {
    const d = fakeDesktop();
    d.failing.set('srv-web', new UltrabaseError('CONNECTION_REFUSED', 'refused'));
    const r = await run(['servers', 'trust', 'web', '--json'], d);
    expect(JSON.parse(r.stdout).error.code).toBe('CONNECTION_REFUSED');
  });
});

// Security finding 21: a changed key is not first use.
describe('servers trust, a changed host key', () => {
  function changed() {
    const d = fakeDesktop();
    d.presented.set('srv-web', FP_NEW);
    return d;
  }
  const trustCalls = (d: ReturnType<typeof fakeDesktop>) =>
    d.calls.filter((c) => c[0] === 'trustHostKey');

  it('--fingerprint never replaces a pinned key', async () => {
    const d = changed();
    const r = await run(['servers', 'trust', 'web', '--fingerprint', FP_NEW, '--json'], d);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'HOST_KEY_CHANGED',
      data: { expected: FP_OLD, actual: FP_NEW },
    });
    expect(r.stderr).toContain('--replace-pinned-key');
    expect(trustCalls(d)).toEqual([]);
    expect(d.servers[0]!.hostKey?.fingerprint).toBe(FP_OLD);
  });

  it('a plain yes is not enough: without --replace-pinned-key it refuses and shows both keys', async () => {
    const d = changed();
    const r = await run(['servers', 'trust', 'web'], d, fakeIo({ tty: true, stdin: 'y\r' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(FP_OLD);
    expect(r.stderr).toContain(FP_NEW);
    expect(r.stderr).toContain('ultrabase servers trust web --replace-pinned-key');
    expect(trustCalls(d)).toEqual([]);
  });

  it('with --replace-pinned-key on a terminal: shows old and new, and needs the name typed', async () => {
    const d = changed();
    const r = await run(
      ['servers', 'trust', 'web', '--replace-pinned-key'],
      d,
      fakeIo({ tty: true, stdin: 'web\r' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`pinned (old): ${FP_OLD}`);
    expect(r.stderr).toContain(`presented (new): ${FP_NEW}`);
    expect(r.stderr).toContain('Type the server name (web)');
    expect(trustCalls(d)).toEqual([['trustHostKey', 'srv-web', FP_NEW]]);
    expect(r.stdout).toContain(`replaced the pinned key ${FP_OLD} with ${FP_NEW}`);
  });

  it('keeps the pinned key when the typed name does not match (a "y" included)', async () => {
    for (const answer of ['y\r', 'yes\r', 'WEB2\r', '\r']) {
      const d = changed();
      const r = await run(
        ['servers', 'trust', 'web', '--replace-pinned-key'],
        d,
        fakeIo({ tty: true, stdin: answer }),
      );
      expect(r.code).toBe(1);
      expect(trustCalls(d)).toEqual([]);
      expect(d.servers[0]!.hostKey?.fingerprint).toBe(FP_OLD);
    }
  });

  it('without a terminal, --replace-pinned-key needs the new fingerprint spelled out', async () => {
    const refused = changed();
    const r1 = await run(['servers', 'trust', 'web', '--replace-pinned-key', '--json'], refused);
    expect(r1.code).toBe(1);
    expect(trustCalls(refused)).toEqual([]);
    const d = changed();
    const r2 = await run(
      ['servers', 'trust', 'web', '--replace-pinned-key', '--fingerprint', FP_NEW, '--json'],
      d,
    );
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(r2.stdout).hostKey.fingerprint).toBe(FP_NEW);
  });

  it('a wrong new fingerprint is checked against what the server presents', async () => {
    const d = changed();
    const other = 'SHA256:' + 'C'.repeat(43);
    const r = await run(
      ['servers', 'trust', 'web', '--replace-pinned-key', '--fingerprint', other, '--json'],
      d,
    );
    expect(JSON.parse(r.stdout).error.code).toBe('HOST_KEY_MISMATCH');
    expect(d.servers[0]!.hostKey?.fingerprint).toBe(FP_OLD);
  });

  it('--replace-pinned-key when nothing changed replaces nothing', async () => {
    const d = fakeDesktop();
    const r = await run(['servers', 'trust', 'web', '--replace-pinned-key'], d);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('did not change');
    expect(trustCalls(d)).toEqual([]);
  });
});
