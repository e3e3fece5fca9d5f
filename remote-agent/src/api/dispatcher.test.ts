import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { AuthService } from '../auth/service';
import { hashToken } from '../auth/tokens';
import { createLogger } from '../log/logger';
import { MethodParams, PUBLIC_METHODS, type MethodName } from '@protocol/methods';
import type { CallContext, Dispatch } from '../rpc/connection';
import { AuditLog } from '../state/audit-log';
import { StateStore } from '../state/store';
import { ClientSession, type Handlers } from './context';
import { createDispatcher } from './dispatcher';

/**
 * The real dispatcher, auth service, state store and audit log; the handlers are the few the
 * tests need, built on the real auth service (no Docker anywhere).
 */
let dir: string;
let auth: AuthService;
let audit: AuditLog;
let handled: string[];
const call: CallContext = {
  requestId: 'c1:1',
  connectionId: 'c1',
  openStream: () => {
    throw new Error('no streams here');
  },
  setAuthenticated: (yes) => authenticated.push(yes),
};
let authenticated: boolean[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-dispatch-'));
  const store = await StateStore.open(dir);
  auth = new AuthService({
    store,
    now: () => new Date(),
    hash: (p) => hashPassword(p, { N: 1024, r: 8, p: 1 }),
    checkPassword: async (password, stored) => stored !== undefined && password === 'password1',
  });
  audit = await AuditLog.open(dir, () => new Date());
  handled = [];
  authenticated = [];
  await auth.createAdmin('root', 'password1', false);
  await auth.createUser('ana', 'password1', 'admin');
});
afterEach(async () => {
  await audit.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(): { dispatch: Dispatch; session: ClientSession } {
  const session = new ClientSession();
  const record =
    (name: string, result: unknown = { ok: true }) =>
    () => {
      handled.push(name);
      return result;
    };
  const handlers = new Proxy({} as Handlers, {
    get: (_t, name: string) => {
      if (name === 'session.hello') {
        return () => {
          session.hello = true;
          return {};
        };
      }
      if (name === 'auth.login') {
        return async (p: { username: string; password: string }) => {
          const info = await auth.login(p.username, p.password, 'c1');
          session.tokenHash = hashToken(info.token);
          return info;
        };
      }
      if (name === 'users.update') {
        return async ({ username, ...patch }: { username: string }) => ({
          user: await auth.updateUser(username, patch),
        });
      }
      return record(name);
    },
  });
  const logger = createLogger({ sink: () => undefined });
  return { dispatch: createDispatcher({ handlers, auth, audit, logger, session }), session };
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('dispatcher', () => {
  it('answers UNAUTHENTICATED before validating params, for every non-public method', async () => {
    const { dispatch } = connect();
    await dispatch('session.hello', { protocol: 1, client: 't' }, call);
    const methods = Object.keys(MethodParams) as MethodName[];
    for (const method of methods.filter((m) => !PUBLIC_METHODS.includes(m))) {
      for (const params of [{}, { bogus: 1 }, { username: 7, id: '../../etc' }]) {
        expect(`${method}: ${await codeOf(dispatch(method, params, call))}`).toBe(
          `${method}: UNAUTHENTICATED`,
        );
      }
    }
    expect(handled).toEqual([]);
  });

  it('counts refused logins into one summary entry instead of a line each', async () => {
    const { dispatch } = connect();
    await dispatch('session.hello', { protocol: 1, client: 't' }, call);
    for (let i = 0; i < 50; i++) {
      await codeOf(dispatch('auth.login', { username: 'root', password: `bad-${i}` }, call));
    }
    expect(await audit.list(100)).toEqual([]);
    await audit.flushCounts();
    const entries = await audit.list(100);
    expect(entries.map((e) => [e.actor, e.code, e.detail?.attempts])).toEqual([
      ['root', 'INVALID_CREDENTIALS', 5],
      ['root', 'RATE_LIMITED', 45],
    ]);
    expect(authenticated.every((yes) => !yes)).toBe(true);
  });

  it('tells the connection when it has logged in and when it logged out', async () => {
    const { dispatch, session } = connect();
    await dispatch('session.hello', { protocol: 1, client: 't' }, call);
    await dispatch('auth.login', { username: 'root', password: 'password1' }, call);
    expect(authenticated).toEqual([false, true]);
    await auth.logout(session.tokenHash!);
    await codeOf(dispatch('users.list', {}, call));
    expect(authenticated.at(-1)).toBe(false);
  });

  it('audits an authenticated call under the caller, never a name from params', async () => {
    const { dispatch } = connect();
    await dispatch('session.hello', { protocol: 1, client: 't' }, call);
    await dispatch('auth.login', { username: 'root', password: 'password1' }, call);
    await dispatch('users.update', { username: 'ana', unlock: true }, call);
    const last = (await audit.list(1))[0];
    expect([last?.actor, last?.action, last?.target, last?.detail]).toEqual([
      'root',
      'users.update',
      'ana',
      { unlock: true },
    ]);
  });

  it('refuses an admin demoting or disabling their own account (issue 12)', async () => {
    const { dispatch } = connect();
    await dispatch('session.hello', { protocol: 1, client: 't' }, call);
    await dispatch('auth.login', { username: 'root', password: 'password1' }, call);
    expect(await codeOf(dispatch('users.update', { username: 'root', role: 'user' }, call))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(dispatch('users.update', { username: 'root', disabled: true }, call))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(dispatch('users.update', { username: 'ana', role: 'user' }, call))).toBe(
      'ok',
    );
    expect(await codeOf(dispatch('users.update', { username: 'root', role: 'admin' }, call))).toBe(
      'ok',
    );
  });
});

describe('dispatcher replies', () => {
  it('never echoes a long method name', async () => {
    const { dispatch } = connect();
    const error = await dispatch('m'.repeat(100_000), {}, call).catch((e: Error) => e);
    expect((error as { code: string }).code).toBe('METHOD_NOT_FOUND');
    expect((error as Error).message.length).toBeLessThan(200);
  });
});
