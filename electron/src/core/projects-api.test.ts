import { Redactor } from '@common/redact';
import { describe, expect, it } from 'vitest';
import { UltrabaseError } from '@contract/errors';
import type { Instance } from '@protocol/types';
import type { AgentSession } from './servers/agent-session';
import { createProjectsApi, PROJECT_ROUTES } from './projects-api';
import { guardErrors } from './guard-errors';

/** A session that records each call and answers from a table. */
function fakeSession(answers: Record<string, unknown>) {
  const calls: Array<{ method: string; params: unknown; options: unknown }> = [];
  const session = {
    call: async (method: string, params: unknown, options?: unknown) => {
      calls.push({ method, params: JSON.parse(JSON.stringify(params)), options });
      if (!(method in answers)) throw new UltrabaseError('NOT_FOUND', `no ${method}`);
      return answers[method];
    },
  } as unknown as AgentSession;
  return { session, calls };
}

const instance = { id: 'i1', name: 'one' } as Instance;

function build(answers: Record<string, unknown>) {
  const { session, calls } = fakeSession(answers);
  const remembered: string[] = [];
  const api = createProjectsApi({
    session: () => session,
    context: (serverId) => ({
      serverId,
      project: (i) => ({ ...i, serverId, serverName: 'Server' }),
      remember: (s) => remembered.push(s),
    }),
  });
  return { api, calls, remembered };
}

describe('projects API routes', () => {
  it('builds one method per route', () => {
    const { api } = build({});
    expect(Object.keys(api).sort()).toEqual(Object.keys(PROJECT_ROUTES).sort());
  });

  it('sends the RPC with its parameters and timeout, and returns the picked part', async () => {
    const { api, calls } = build({ 'instances.restart': { instance } });
    await expect(api.restartProject('s1', 'i1')).resolves.toEqual({
      ...instance,
      serverId: 's1',
      serverName: 'Server',
    });
    expect(calls).toEqual([
      { method: 'instances.restart', params: { id: 'i1' }, options: { timeoutMs: 600_000 } },
    ]);
  });

  it('sends staff.add with the public key text and remembers the new password', async () => {
    const member = { username: 'ana', uid: 1001 };
    const { api, calls, remembered } = build({
      'staff.add': { member, user: { username: 'ana' } },
      'staff.list': { staff: [member] },
      'staff.remove': { ok: true },
    });
    const input = {
      username: 'ana',
      password: 'correct-horse-9',
      role: 'user' as const,
      publicKey: 'ssh-ed25519 AAAAC3Nz ana@laptop',
    };
    await expect(api.addStaff('s1', input)).resolves.toEqual({ member, user: { username: 'ana' } });
    await expect(api.listStaff('s1')).resolves.toEqual([member]);
    await expect(api.removeStaff('s1', 'ana')).resolves.toBeUndefined();
    expect(calls.map((c) => [c.method, c.params])).toEqual([
      ['staff.add', input],
      ['staff.list', {}],
      ['staff.remove', { username: 'ana' }],
    ]);
    expect(remembered).toEqual(['correct-horse-9']);
  });

  it('drops omitted options from the parameters', async () => {
    const { api, calls } = build({ 'audit.list': { entries: [1] }, 'instances.repair': {} });
    await expect(api.serverAudit('s1')).resolves.toEqual([1]);
    await api.serverAudit('s1', { limit: 5 });
    await api.repairProject('s1', 'i1');
    await api.repairProject('s1', 'i1', { dryRun: true });
    expect(calls.map((c) => c.params)).toEqual([
      {},
      { limit: 5 },
      { id: 'i1' },
      { id: 'i1', dryRun: true },
    ]);
    expect(calls[0]!.options).toBeUndefined();
  });

  it('remembers passwords sent and credentials received, for redaction', async () => {
    const { api, remembered } = build({
      'users.create': { user: { username: 'bob' } },
      'instances.credentials': { credentials: { serviceRoleKey: 'srk-secret', port: 5432 } },
    });
    await api.createUser('s1', { username: 'bob', password: 'hunter2-long', role: 'user' });
    await api.projectCredentials('s1', 'i1');
    expect(remembered).toEqual(['hunter2-long', 'srk-secret']);
  });
});

describe('guardErrors', () => {
  const secrets = new Redactor();
  secrets.addSecret('hunter2-long');
  const core = {
    leaks: async () => {
      throw new UltrabaseError('INVALID_CREDENTIALS', 'bad password hunter2-long', {
        tried: 'hunter2-long',
      });
    },
    bug: async () => {
      throw Object.assign(new Error('ENOENT: /home/x'), { code: 'ENOENT' });
    },
    sync: () => 'kept',
  };

  it('returns a new object and leaves the original untouched', () => {
    const guarded = guardErrors(core, secrets, ['sync']);
    expect(guarded).not.toBe(core);
    expect(guarded.sync).toBe(core.sync);
    expect(core.leaks).not.toBe(guarded.leaks);
  });

  it('redacts known secrets from message and data, keeping the code', async () => {
    const e = await guardErrors(core, secrets, ['sync'])
      .leaks()
      .catch((x: unknown) => x as UltrabaseError);
    expect(e).toBeInstanceOf(UltrabaseError);
    expect(e.code).toBe('INVALID_CREDENTIALS');
    expect(JSON.stringify(e.toJSON())).not.toContain('hunter2-long');
  });

  it('turns a failure outside the contract into INTERNAL naming the method', async () => {
    const e = await guardErrors(core, secrets, ['sync'])
      .bug()
      .catch((x: unknown) => x as UltrabaseError);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/^Unexpected failure in bug/);
  });
});
