import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/store';
import { hashPassword, verifyPassword } from './password';
import { LoginRateLimiter } from './rate-limit';
import { AuthService } from './service';
import { hashToken } from './tokens';

// Cheap scrypt parameters keep the unit tests fast; the real cost is exercised by verifyPassword.
const fastHash = (p: string) => hashPassword(p, { N: 1024, r: 8, p: 1 });

let dir: string;
let clock: number;
let auth: AuthService;
let store: StateStore;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-auth-'));
  clock = Date.parse('2030-01-01T00:00:00Z');
  store = await StateStore.open(dir);
  auth = new AuthService({ store, now: () => new Date(clock), hash: fastHash });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const code = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'ok';
};

describe('passwords', () => {
  it('verifies the right password only and salts every hash', async () => {
    const a = await fastHash('correct horse');
    const b = await fastHash('correct horse');
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});

describe('LoginRateLimiter', () => {
  it('blocks after the limit inside the window and frees as failures age out', () => {
    let now = 0;
    const limiter = new LoginRateLimiter({ maxFailures: 3, windowMs: 1000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('a')).toBe(0);
      limiter.recordFailure('a');
      now += 100;
    }
    expect(limiter.retryAfter('a')).toBe(700);
    expect(limiter.retryAfter('b')).toBe(0);
    now = 1001;
    expect(limiter.retryAfter('a')).toBe(0);
  });
});

describe('AuthService', () => {
  it('creates the first admin once; --force resets', async () => {
    await auth.createAdmin('root', 'password1', false);
    expect(await code(auth.createAdmin('other', 'password1', false))).toBe('ADMIN_EXISTS');
    expect(await code(auth.createAdmin('root', 'short', true))).toBe('WEAK_PASSWORD');
    await auth.createAdmin('root', 'password2', true);
    expect(await code(auth.login('root', 'password1'))).toBe('INVALID_CREDENTIALS');
    expect((await auth.login('root', 'password2')).user.role).toBe('admin');
  });

  it('logs in, stores only the token hash, resumes, expires after 24 h, and logs out', async () => {
    await auth.createAdmin('root', 'password1', false);
    const session = await auth.login('root', 'password1');
    const state = JSON.stringify(store.read());
    expect(state).not.toContain(session.token);
    expect(state).toContain(hashToken(session.token));
    expect(auth.resume(session.token).user.username).toBe('root');
    clock += 24 * 3600 * 1000;
    expect(await code(() => auth.resume(session.token))).toBe('UNAUTHENTICATED');
    clock -= 1000;
    await auth.logout(hashToken(session.token));
    expect(await code(() => auth.resume(session.token))).toBe('UNAUTHENTICATED');
  });

  it('rate-limits failed logins per user, even for the right password', async () => {
    await auth.createAdmin('root', 'password1', false);
    for (let i = 0; i < 5; i++) {
      expect(await code(auth.login('root', 'wrong-pass'))).toBe('INVALID_CREDENTIALS');
    }
    expect(await code(auth.login('root', 'password1'))).toBe('RATE_LIMITED');
    expect(await code(auth.login('nobody', 'x'))).toBe('INVALID_CREDENTIALS');
    clock += 15 * 60 * 1000 + 1;
    expect(await code(auth.login('root', 'password1'))).toBe('ok');
  });

  it('changing a password revokes the other sessions but keeps the current one', async () => {
    await auth.createAdmin('root', 'password1', false);
    const a = await auth.login('root', 'password1');
    const b = await auth.login('root', 'password1');
    const caller = auth.authenticate(hashToken(a.token));
    expect(await code(auth.changePassword(caller, 'nope', 'password2'))).toBe(
      'INVALID_CREDENTIALS',
    );
    await auth.changePassword(caller, 'password1', 'password2');
    expect(auth.resume(a.token).user.username).toBe('root');
    expect(await code(() => auth.resume(b.token))).toBe('UNAUTHENTICATED');
  });

  it('never leaves the agent without an active admin', async () => {
    await auth.createAdmin('root', 'password1', false);
    await auth.createUser('ana', 'password1', 'user');
    expect(await code(auth.createUser('ana', 'password1', 'user'))).toBe('USER_EXISTS');
    expect(await code(auth.deleteUser('root'))).toBe('LAST_ADMIN');
    expect(await code(auth.updateUser('root', { role: 'user' }))).toBe('LAST_ADMIN');
    expect(await code(auth.updateUser('root', { disabled: true }))).toBe('LAST_ADMIN');
    await auth.updateUser('ana', { role: 'admin' });
    await auth.updateUser('root', { disabled: true });
    expect(await code(auth.login('root', 'password1'))).toBe('INVALID_CREDENTIALS');
  });

  it('disabling a user ends their sessions at once', async () => {
    await auth.createAdmin('root', 'password1', false);
    await auth.createUser('ana', 'password1', 'user');
    const s = await auth.login('ana', 'password1');
    await auth.updateUser('ana', { disabled: true });
    expect(await code(() => auth.authenticate(hashToken(s.token)))).toBe('UNAUTHENTICATED');
  });
});

describe('names that exist on Object.prototype', () => {
  const hostile = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

  it('are unknown users at login, update, delete and grant, never INTERNAL', async () => {
    await auth.createAdmin('root', 'password1', false);
    for (const name of hostile) {
      expect(await code(auth.login(name, 'password1'))).toBe('INVALID_CREDENTIALS');
      expect(await code(auth.updateUser(name, { role: 'admin', password: 'backdoor123' }))).toBe(
        'NOT_FOUND',
      );
      expect(await code(auth.deleteUser(name))).toBe('NOT_FOUND');
      expect(await code(auth.setGrant('root', name, true))).toBe('NOT_FOUND');
    }
    expect(auth.listUsers().map((u) => u.username)).toEqual(['root']);
    // Nothing leaked onto the global Object function either.
    expect(Object.hasOwn(Object, 'passwordHash')).toBe(false);
  });

  it('"constructor" is a valid username like any other', async () => {
    await auth.createAdmin('root', 'password1', false);
    await auth.createUser('constructor', 'password1', 'user');
    expect((await auth.login('constructor', 'password1')).user.role).toBe('user');
    await auth.deleteUser('constructor');
    expect(await code(auth.login('constructor', 'password1'))).toBe('INVALID_CREDENTIALS');
  });
});
