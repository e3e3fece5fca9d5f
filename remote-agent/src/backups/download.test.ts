import { describe, expect, it } from 'vitest';
import { StreamSet } from '../rpc/streams';
import { ClientSession, type AgentServices, type HandlerContext } from '../api/context';
import type { Caller } from '../auth/service';
import { canSee, notFound } from '../instances/permissions';
import { backupHandlers, pump } from './handlers';

// A backup download on the agent's side: the flow-controlled stream (the real StreamSet the
// connection uses) paces the source, a cancel stops it; who may take the roles' hashes.

function source(chunks: number, log: string[]) {
  return (async function* () {
    try {
      yield { part: 'database' as const };
      for (let i = 0; i < chunks; i++) {
        log.push(`read ${i}`);
        yield { data: Buffer.alloc(1000, i) };
      }
    } finally {
      log.push('closed');
    }
  })();
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('a download stream', () => {
  it('reads no further while the window is full and resumes on acknowledgement', async () => {
    const sent: Array<{ method: string; params: { bytes?: number; data?: unknown } }> = [];
    const set = new StreamSet(
      (method, params) => sent.push({ method, params: params as never }),
      4000,
    );
    const stream = set.open();
    const log: string[] = [];
    const done = pump(stream, source(10, log));
    await tick();
    // ~1.3 KB of base64 JSON per chunk: the window (4000) holds three, then the source waits.
    expect(log.filter((l) => l.startsWith('read'))).toHaveLength(3);
    let acked = 0;
    for (let i = 0; i < 50 && !sent.some((s) => s.method === 'stream.end'); i++) {
      const total = sent
        .filter((s) => s.method === 'stream.data')
        .reduce((n, s) => n + (s.params.bytes ?? 0), 0);
      set.ack(stream.id, total - acked);
      acked = total;
      await tick();
    }
    await done;
    expect(log.filter((l) => l.startsWith('read'))).toHaveLength(10);
    expect(sent.at(-1)).toMatchObject({ method: 'stream.end', params: { stream: stream.id } });
    const first = sent.find((s) => s.method === 'stream.data')!.params.data;
    expect(first).toEqual({ part: 'database' });
  });

  it('stops the source (and its restic) when the client cancels', async () => {
    const set = new StreamSet(() => undefined, 4000);
    const stream = set.open();
    const log: string[] = [];
    const done = pump(stream, source(10, log));
    await tick();
    set.cancel(stream.id);
    await done;
    expect(log.at(-1)).toBe('closed');
    expect(log.filter((l) => l.startsWith('read')).length).toBeLessThan(10);
  });

  it('ends the stream with the source’s error code', async () => {
    const sent: Array<{ method: string; params: unknown }> = [];
    const set = new StreamSet((method, params) => sent.push({ method, params }), 1 << 20);
    const failing = (async function* () {
      yield { part: 'database' as const };
      throw Object.assign(new Error('damaged'), { code: 'BACKUP_REPOSITORY_DAMAGED' });
    })();
    await pump(set.open(), failing);
    expect(sent.at(-1)).toMatchObject({
      method: 'stream.end',
      params: { error: { code: 'BACKUP_REPOSITORY_DAMAGED' } },
    });
  });
});

const project = { id: 'abc123', owner: 'ana', name: 'shop' };
const ana: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 'h' };
const bob: Caller = { username: 'bob', role: 'user', grants: ['abc123'], tokenHash: 'h' };

function setup(caller: Caller) {
  const calls: string[] = [];
  const services = {
    instances: {
      get: (c: Caller, id: string) => {
        if (id !== project.id || !canSee(c, project)) throw notFound(id);
        return project;
      },
      list: (c: Caller) => (canSee(c, project) ? [project] : []),
    },
    backups: {
      openDownload: async (_id: string, _b: string, o: { roles?: boolean }) => (
        calls.push(`download roles=${o.roles === true}`),
        {
          manifest: {
            id: 'b1',
            instanceId: 'abc123',
            instanceName: 'shop',
            database: { bytes: 10 },
            files: { bytes: 5 },
            roles: { bytes: 1 },
          },
          parts: ['database'],
          destination: 'local',
          read: () => source(0, []),
        }
      ),
      summary: async (list: unknown[]) => (calls.push(`summary ${list.length}`), []),
    },
  } as unknown as AgentServices;
  const set = new StreamSet(() => undefined, 1 << 20);
  const ctx = {
    session: new ClientSession(),
    caller,
    call: { openStream: () => set.open() },
  } as unknown as HandlerContext;
  return { h: backupHandlers(services), ctx, calls };
}

describe('backups.download and backups.summary', () => {
  const params = { id: project.id, backupId: 'b20261202t0700z-abc' };
  it('lets anyone who sees the project download it, the roles only to its owner or an admin', async () => {
    const shared = setup(bob);
    await expect(shared.h['backups.download'](params, shared.ctx)).resolves.toMatchObject({
      stream: 's1',
      backupId: 'b1',
      instanceName: 'shop',
      totalBytes: 15,
      parts: ['database'],
    });
    await expect(
      shared.h['backups.download']({ ...params, roles: true }, shared.ctx),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(shared.calls).toEqual(['download roles=false']);
    const owner = setup(ana);
    await expect(
      owner.h['backups.download']({ ...params, roles: true }, owner.ctx),
    ).resolves.toMatchObject({ totalBytes: 16 });
    expect(owner.calls).toEqual(['download roles=true']);
  });

  it('summarises only the projects the caller sees', async () => {
    const stranger = setup({ username: 'eve', role: 'user', grants: [], tokenHash: 'h' });
    await stranger.h['backups.summary']({}, stranger.ctx);
    expect(stranger.calls).toEqual(['summary 0']);
  });
});
