import { describe, expect, it } from 'vitest';
import { fakeDesktop, fakeIo, project, run } from '../cli-test-kit';

const seeded = () => fakeDesktop({ projects: [project({ name: 'shop' })] });

describe('users', () => {
  it('creates a user with the password from stdin, and never prints it', async () => {
    const d = seeded();
    const r = await run(
      ['users', 'create', 'web', 'alice', '--role', 'admin', '--password-stdin', '--json'],
      d,
      fakeIo({ stdin: 'alice-S3cret\n' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'createUser')?.[1]).toEqual({
      username: 'alice',
      password: 'alice-S3cret',
      role: 'admin',
    });
    expect(r.stdout + r.stderr).not.toContain('S3cret');
  });

  it('asks on a terminal, and without one points to --password-stdin', async () => {
    const asked = seeded();
    const r = await run(
      ['users', 'passwd', 'web', 'admin'],
      asked,
      fakeIo({ tty: true, stdin: 'n3w-pass\r' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(asked.calls.find((c) => c[0] === 'updateUser')?.[1]).toEqual({
      username: 'admin',
      password: 'n3w-pass',
    });
    expect(r.stderr).not.toContain('n3w-pass');
    const noTerminal = await run(['users', 'create', 'web', 'bob'], seeded());
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('no terminal to ask on; use --password-stdin');
  });

  it('grants, revokes, lists and deletes', async () => {
    const d = seeded();
    await run(
      ['users', 'create', 'web', 'bob', '--password-stdin'],
      d,
      fakeIo({ stdin: 'pw-bob-1\n' }),
    );
    const granted = await run(['users', 'grant', 'web', 'bob', 'shop', '--json'], d);
    expect(JSON.parse(granted.stdout).grants).toEqual(['inst-shop']);
    const list = await run(['users', 'list', 'web'], d);
    expect(list.stdout).toMatch(/bob\s+user\s+inst-shop/);
    const revoked = await run(['users', 'revoke', 'web', 'bob', 'shop'], d);
    expect(revoked.stdout).toBe('bob: revoked shop\n');
    expect((await run(['users', 'delete', 'web', 'bob'], d)).stdout).toBe('deleted bob\n');
    expect(d.users.map((u) => u.username)).toEqual(['admin']);
  });

  it('refuses a role that does not exist', async () => {
    const r = await run(
      ['users', 'create', 'web', 'x', '--role', 'root', '--password-stdin'],
      seeded(),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--role is one of: admin, user');
  });
});
