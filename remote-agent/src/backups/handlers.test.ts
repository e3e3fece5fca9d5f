import { describe, expect, it } from 'vitest';
import type { Caller } from '../auth/service';
import { ClientSession, type AgentServices, type HandlerContext } from '../api/context';
import { canSee, notFound } from '../instances/permissions';
import { backupHandlers } from './handlers';

// Who may do what with backups, with a fake service that records what reached it.

const project = { id: 'abc123', owner: 'ana', name: 'shop' };
const admin: Caller = { username: 'root', role: 'admin', grants: [], tokenHash: 'h' };
const ana: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 'h' };
const bob: Caller = { username: 'bob', role: 'user', grants: ['abc123'], tokenHash: 'h' };
const eve: Caller = { username: 'eve', role: 'user', grants: [], tokenHash: 'h' };

function setup(caller: Caller, withBackups = true, inspect?: () => Promise<unknown>) {
  const calls: string[] = [];
  const job = { jobId: 'j0000000001', queuePosition: 0, done: Promise.resolve() };
  const services = {
    bus: { subscribe: () => () => undefined },
    instances: {
      create: () => (
        calls.push('create'),
        Promise.resolve({ instance: { id: 'new1', name: 'copy' } })
      ),
      get: (c: Caller, id: string) => {
        if (id !== project.id || !canSee(c, project)) throw notFound(id);
        return project;
      },
    },
    backups: withBackups
      ? {
          backup: () => (calls.push('backup'), job),
          restore: () => (calls.push('restore'), job),
          addDestination: () => (calls.push('add'), Promise.resolve({ id: 'd1' })),
          key: () => (calls.push('key'), Promise.resolve({ password: 'p', firstTime: true })),
          inspectRepository: () => (
            calls.push('inspect'),
            inspect ? inspect() : Promise.resolve({ id: 'b20261202t0700z-abc', instanceId: 'src1' })
          ),
          cloneFromRepository: (_s: unknown, pick: { backupId: string }, target: string) => (
            calls.push(`clone ${pick.backupId} into ${target}`),
            job
          ),
          job: () => ({ instanceId: project.id, events: [], finished: true }),
        }
      : undefined,
  } as unknown as AgentServices;
  const ctx = { session: new ClientSession(), caller, call: {} } as HandlerContext;
  return { h: backupHandlers(services), ctx, calls };
}

const run = (f: () => unknown) => Promise.resolve().then(f);
const restoreParams = { id: project.id, backupId: 'b20261202t0700z-abc', confirm: 'shop' };

describe('backup handlers', () => {
  it('lets anyone who sees a project back it up; hides it from the others', async () => {
    const shared = setup(bob);
    expect(await run(() => shared.h['backups.create']({ id: project.id }, shared.ctx))).toEqual({
      jobId: 'j0000000001',
      queuePosition: 0,
    });
    const stranger = setup(eve);
    await expect(
      run(() => stranger.h['backups.create']({ id: project.id }, stranger.ctx)),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      run(() => stranger.h['backups.job']({ jobId: 'j0000000001' }, stranger.ctx)),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(stranger.calls).toEqual([]);
  });

  it('lets only the owner or an admin restore over a project', async () => {
    const shared = setup(bob);
    await expect(
      run(() => shared.h['backups.restore'](restoreParams, shared.ctx)),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(shared.calls).toEqual([]);
    for (const caller of [ana, admin]) {
      const ok = setup(caller);
      await ok.h['backups.restore'](restoreParams, ok.ctx);
      expect(ok.calls).toEqual(['restore']);
    }
  });

  it('keeps destinations and the repository password for admins', async () => {
    const user = setup(ana);
    const destination = {
      kind: 'sftp' as const,
      name: 'x',
      host: 'h',
      port: 22,
      user: 'u',
      path: '/srv/r',
      privateKey: 'k'.repeat(50),
    };
    await expect(
      run(() => user.h['backups.destinations.add']({ destination }, user.ctx)),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(run(() => user.h['backups.key']({}, user.ctx))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(user.calls).toEqual([]);
    const root = setup(admin);
    expect(await root.h['backups.key']({}, root.ctx)).toEqual({ password: 'p', firstTime: true });
  });

  it('imports from another server only for admins, and finds the backup before creating', async () => {
    const params = {
      source: {
        destination: {
          kind: 'sftp' as const,
          name: 'x',
          host: 'h',
          port: 22,
          user: 'u',
          path: '/srv/r',
          privateKey: 'k'.repeat(50),
        },
        password: 'old-server-password',
      },
      from: { instanceId: 'src1' },
      name: 'copy',
    };
    const user = setup(ana);
    await expect(run(() => user.h['backups.import'](params, user.ctx))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(user.calls).toEqual([]);
    const root = setup(admin);
    expect(await root.h['backups.import'](params, root.ctx)).toMatchObject({
      jobId: 'j0000000001',
      backupId: 'b20261202t0700z-abc',
      sourceInstanceId: 'src1',
      instance: { id: 'new1' },
    });
    expect(root.calls).toEqual(['inspect', 'create', 'clone b20261202t0700z-abc into new1']);
    // a wrong password (or no such backup) is found out before any project exists
    const wrong = setup(admin, true, () =>
      Promise.reject(Object.assign(new Error('wrong'), { code: 'BACKUP_WRONG_PASSWORD' })),
    );
    await expect(run(() => wrong.h['backups.import'](params, wrong.ctx))).rejects.toMatchObject({
      code: 'BACKUP_WRONG_PASSWORD',
    });
    expect(wrong.calls).toEqual(['inspect']);
  });

  it('answers INVALID_STATE from an agent without backups', async () => {
    const none = setup(admin, false);
    await expect(
      run(() => none.h['backups.create']({ id: project.id }, none.ctx)),
    ).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});
