import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeDesktop, fakeIo, run } from '../cli-test-kit';

const dir = mkdtempSync(path.join(tmpdir(), 'ub-cli-staff-'));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDk ana@laptop';
const keyFile = path.join(dir, 'ana.pub');
writeFileSync(keyFile, KEY + '\n');

describe('staff', () => {
  it('adds a member with the key file text and the password from stdin, never printing it', async () => {
    const d = fakeDesktop();
    const r = await run(
      [
        'staff',
        'add',
        'web',
        '--username',
        'ana',
        '--role',
        'admin',
        '--public-key-file',
        keyFile,
        '--password-stdin',
        '--json',
      ],
      d,
      fakeIo({ stdin: 'ana-S3cret-pw\n' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'addStaff')?.[1]).toEqual({
      username: 'ana',
      password: 'ana-S3cret-pw',
      role: 'admin',
      publicKey: KEY,
    });
    expect(JSON.parse(r.stdout)).toMatchObject({
      member: { username: 'ana', keyType: 'ssh-ed25519' },
      user: { role: 'admin' },
    });
    expect(r.stdout + r.stderr).not.toContain('S3cret');
  });

  it('asks for the password on a terminal, and without one points to --password-stdin', async () => {
    const d = fakeDesktop();
    const asked = await run(
      ['staff', 'add', 'web', '--username', 'ana', '--public-key-file', keyFile],
      d,
      fakeIo({ tty: true, stdin: 'typed-pass-1\r' }),
    );
    expect(asked.code, asked.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'addStaff')?.[1]).toMatchObject({
      role: 'user',
      password: 'typed-pass-1',
    });
    expect(asked.stdout).toContain('added staff member ana (user)');
    expect(asked.stdout + asked.stderr).not.toContain('typed-pass-1');
    const noTerminal = await run(
      ['staff', 'add', 'web', '--username', 'bo', '--public-key-file', keyFile],
      fakeDesktop(),
    );
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('no terminal to ask on; use --password-stdin');
  });

  it('refuses a password given as a flag value and a missing key file, before asking', async () => {
    const flagged = await run(
      ['staff', 'add', 'web', '--username', 'ana', '--public-key-file', keyFile, '--password=x'],
      fakeDesktop(),
    );
    expect(flagged.code).toBe(2);
    const d = fakeDesktop();
    const missing = await run(
      [
        'staff',
        'add',
        'web',
        '--username',
        'ana',
        '--public-key-file',
        path.join(dir, 'nope.pub'),
        '--password-stdin',
        '--json',
      ],
      d,
      fakeIo({ stdin: 'pw-1234567\n' }),
    );
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      error: { code: 'INVALID_PUBLIC_KEY' },
    });
    expect(d.calls.some((c) => c[0] === 'addStaff')).toBe(false);
  });

  it('shows the agent error for a bad key in the chosen language', async () => {
    const bad = path.join(dir, 'bad.pub');
    writeFileSync(bad, 'not a key\n');
    const r = await run(
      ['staff', 'add', 'web', '--username', 'ana', '--public-key-file', bad, '--password-stdin'],
      fakeDesktop(),
      fakeIo({ stdin: 'pw-1234567\n', env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('A chave pública não pode ser usada');
  });

  it('lists and removes members', async () => {
    const d = fakeDesktop();
    await run(
      [
        'staff',
        'add',
        'web',
        '--username',
        'ana',
        '--public-key-file',
        keyFile,
        '--password-stdin',
      ],
      d,
      fakeIo({ stdin: 'pw-ana-123\n' }),
    );
    const list = await run(['staff', 'list', 'web'], d);
    expect(list.stdout).toMatch(/ana\s+1001\s+ssh-ed25519 SHA256:k+\s+yes/);
    const json = await run(['staff', 'list', 'web', '--json'], d);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ username: 'ana' })]);
    const removed = await run(['staff', 'remove', 'web', 'ana'], d);
    expect(removed.stdout).toBe('removed staff member ana (SSH login and agent user)\n');
    expect(d.staff).toEqual([]);
    expect(d.users.map((u) => u.username)).toEqual(['admin']);
  });
});

describe('servers add --staff', () => {
  it('marks the profile as a staff login whose agent user is the SSH user', async () => {
    const d = fakeDesktop({ servers: [] });
    const r = await run(
      [
        'servers',
        'add',
        'agency',
        '--host',
        '203.0.113.20',
        '--user',
        'ana',
        '--key',
        '/home/ana/.ssh/id_ed25519',
        '--staff',
        '--json',
      ],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'addServer')?.[1]).toMatchObject({
      username: 'ana',
      access: 'staff',
    });
  });
});
