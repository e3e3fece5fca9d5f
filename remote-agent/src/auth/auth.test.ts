import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/store';
import { hashPassword, verifyPassword } from './password';
import { LoginRateLimiter, type LoginAttempt } from './rate-limit';
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
  const policy = {
    windowMs: 1000,
    maxFailures: 3,
    maxFailuresPerUser: 5,
    maxFailuresGlobal: 8,
    slowLaneMs: 100,
    maxConcurrentChecks: 2,
    maxQueuedChecks: 0,
    maxPendingPerOrigin: 1,
  };
  const outcome = async (attempt: Promise<LoginAttempt>, then?: 'failed' | 'succeeded') => {
    try {
      const a = await attempt;
      if (then) a[then]();
      return 'ok';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  const fail = async (attempt: Promise<LoginAttempt>) => (await attempt).failed();

  it('blocks a (name, origin) after the limit inside the window and frees as failures age', async () => {
    let now = 0;
    const limiter = new LoginRateLimiter(policy, () => now);
    for (let i = 0; i < 3; i++) {
      await fail(limiter.begin('a', 'c1'));
      now += 100;
    }
    expect(await outcome(limiter.begin('a', 'c1'))).toBe('RATE_LIMITED');
    expect(await outcome(limiter.begin('a', 'c2'), 'succeeded')).toBe('ok');
    now = 1001;
    expect(await outcome(limiter.begin('a', 'c1'), 'succeeded')).toBe('ok');
  });

  it('counts an attempt in flight as a failure, refuses a second on its origin and past the cap', async () => {
    const limiter = new LoginRateLimiter({ ...policy, maxPendingPerOrigin: 5 }, () => 0);
    const held = [await limiter.begin('a', 'c1'), await limiter.begin('a', 'c1')];
    expect(await outcome(limiter.begin('b', 'c2'))).toBe('BUSY');
    held[0]!.failed();
    held.push(await limiter.begin('a', 'c1'));
    expect(await outcome(limiter.begin('a', 'c1'))).toBe('RATE_LIMITED');
    const one = new LoginRateLimiter(policy, () => 0);
    await one.begin('a', 'c1');
    expect(await outcome(one.begin('b', 'c1'))).toBe('BUSY');
  });

  it('lets a few checks wait for a slot, in order, never more than the cap at once', async () => {
    const limiter = new LoginRateLimiter({ ...policy, maxQueuedChecks: 2 }, () => 0);
    const first = [await limiter.begin('a', 'c1'), await limiter.begin('b', 'c2')];
    const waiting = [limiter.begin('c', 'c3'), limiter.begin('d', 'c4')];
    expect(await outcome(limiter.begin('e', 'c5'))).toBe('BUSY');
    let started = 0;
    for (const w of waiting) void w.then(() => started++);
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toBe(0);
    first[0]!.succeeded();
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toBe(1);
    first[1]!.failed();
    (await waiting[0]!).succeeded();
    (await waiting[1]!).succeeded();
    expect(await outcome(limiter.begin('f', 'c6'), 'succeeded')).toBe('ok');
  });

  it('past the per-name or global budget, gives each name one check per slow-lane interval', async () => {
    let now = 0;
    const limiter = new LoginRateLimiter(policy, () => now);
    for (let i = 0; i < 5; i++) await fail(limiter.begin('a', `c${i}`));
    expect(await outcome(limiter.begin('a', 'fresh'))).toBe('RATE_LIMITED');
    now += 100;
    const slow = await limiter.begin('a', 'fresh');
    expect(await outcome(limiter.begin('a', 'other'))).toBe('RATE_LIMITED');
    slow.succeeded();
    expect(await outcome(limiter.begin('b', 'x'), 'failed')).toBe('ok');
    expect(await outcome(limiter.begin('c', 'x'), 'failed')).toBe('ok');
    // 8 failures in all: every name is now in the slow lane, including one never seen.
    expect(await outcome(limiter.begin('d', 'y'))).toBe('ok');
    expect(await outcome(limiter.begin('d', 'z'))).toBe('RATE_LIMITED');
  });

  it('an admin clearing a name lifts its lockout on every origin', async () => {
    const limiter = new LoginRateLimiter(policy, () => 0);
    for (let i = 0; i < 3; i++) await fail(limiter.begin('a', 'c1'));
    expect(await outcome(limiter.begin('a', 'c1'))).toBe('RATE_LIMITED');
    limiter.clear('A');
    expect(await outcome(limiter.begin('a', 'c1'), 'succeeded')).toBe('ok');
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

  it('limits parallel guesses like sequential ones (review #4)', async () => {
    await auth.createAdmin('root', 'password1', false);
    const parallel = new AuthService({
      store,
      now: () => new Date(clock),
      hash: fastHash,
      loginPolicy: { maxPendingPerOrigin: 100, maxConcurrentChecks: 100, maxQueuedChecks: 0 },
    });
    const guesses = Array.from({ length: 30 }, (_, i) =>
      code(parallel.login('root', i === 17 ? 'password1' : `wrong-${i}`, 'c1')),
    );
    const codes = await Promise.all(guesses);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(25);
    expect(codes[17]).toBe('RATE_LIMITED');
  });

  it('runs at most N password checks at once, queues a few, the rest get BUSY (review #5)', async () => {
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const slow = new AuthService({
      store,
      now: () => new Date(clock),
      hash: fastHash,
      loginPolicy: { maxConcurrentChecks: 2 },
      checkPassword: async () => {
        peak = Math.max(peak, ++running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return false;
      },
    });
    const attempts = Array.from({ length: 200 }, (_, i) => code(slow.login(`u${i}`, 'x', `c${i}`)));
    await new Promise((r) => setTimeout(r, 10));
    expect(releases).toHaveLength(2);
    // Each finished check hands its slot to a waiting one: 2 running + 16 queued are checked.
    while (releases.length > 0) {
      for (const release of releases.splice(0)) release();
      await new Promise((r) => setTimeout(r, 1));
    }
    const codes = await Promise.all(attempts);
    expect(peak).toBe(2);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(18);
    expect(codes.filter((c) => c === 'BUSY')).toHaveLength(182);
    // One connection cannot queue a second check behind its first either.
    const first = code(slow.login('a', 'x', 'same'));
    expect(await code(slow.login('b', 'x', 'same'))).toBe('BUSY');
    await new Promise((r) => setTimeout(r, 1));
    for (const release of releases.splice(0)) release();
    await first;
  });

  it('a guessing connection does not lock the owner out elsewhere; an admin can unlock (#16)', async () => {
    await auth.createAdmin('root', 'password1', false);
    for (let i = 0; i < 5; i++) await code(auth.login('root', `bad-${i}`, 'attacker'));
    expect(await code(auth.login('root', 'password1', 'attacker'))).toBe('RATE_LIMITED');
    expect(await code(auth.login('root', 'password1', 'desktop'))).toBe('ok');
    await auth.updateUser('root', { unlock: true });
    expect(await code(auth.login('root', 'password1', 'attacker'))).toBe('ok');
  });

  it('limits auth.changePassword and ends the session after repeated failures (#14)', async () => {
    await auth.createAdmin('root', 'password1', false);
    const s = await auth.login('root', 'password1');
    const caller = auth.authenticate(hashToken(s.token));
    for (let i = 0; i < 4; i++) {
      expect(await code(auth.changePassword(caller, `bad-${i}`, 'password2'))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    expect(auth.authenticate(hashToken(s.token)).username).toBe('root');
    expect(await code(auth.changePassword(caller, 'bad-4', 'password2'))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(await code(() => auth.authenticate(hashToken(s.token)))).toBe('UNAUTHENTICATED');
    expect(await code(auth.changePassword(caller, 'password1', 'password2'))).toBe('RATE_LIMITED');
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
