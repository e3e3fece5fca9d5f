import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AgentEvent, Instance } from '@protocol/types';
import type { AgentServices, HandlerContext } from '../api/context';
import type { Caller } from '../auth/service';
import { dumpImportHandlers, importDiskNeedMb } from './import-handlers';
import type { LoaderProcess } from './dump-load';

const DUMP = Buffer.from('--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n');
const HEAD_64K = Buffer.concat([DUMP, Buffer.alloc(64 * 1024 - DUMP.length, 'x')]);

/** Just what the handlers use of the agent: creation, deletion, events, the disk. */
function fakeAgent(options: { diskFreeMb?: number; creation?: 'running' | 'failed' } = {}) {
  const instances = new Map<string, Instance>();
  const listeners = new Set<(e: AgentEvent) => void>();
  const deleted: string[] = [];
  const created: string[] = [];
  const s = {
    dataDir: '/nonexistent',
    config: { resources: { minFreeDiskMb: 100 } },
    readHost: async () => ({ diskFreeMb: options.diskFreeMb ?? 10_000, diskTotalMb: 20_000 }),
    now: () => new Date(),
    bus: {
      subscribe: (l: (e: AgentEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
    },
    registry: { get: (id: string) => instances.get(id) },
    instances: {
      async create(_caller: Caller, request: { name: string }) {
        if (request.name === 'taken') {
          throw Object.assign(new Error('The name is taken.'), { code: 'INVALID_NAME' });
        }
        const instance = { id: `inst${created.length}x`, name: request.name, project: 'ub_x' };
        instances.set(instance.id, instance as Instance);
        created.push(instance.id);
        setImmediate(() => {
          const status = options.creation ?? 'running';
          const changed = { ...instance, status, error: { code: 'START_FAILED', reason: 'no' } };
          for (const l of listeners) l({ type: 'instance.changed', instance: changed } as never);
        });
        return { instance, queuePosition: 0 };
      },
      async delete(_caller: Caller, id: string) {
        deleted.push(id);
        instances.delete(id);
      },
      async cancel() {},
    },
  } as unknown as AgentServices;
  return { s, created, deleted };
}

function ctx(role: 'admin' | 'user' = 'admin'): HandlerContext {
  return { caller: { username: 'ana', role } } as unknown as HandlerContext;
}

function fakeLoader(): LoaderProcess {
  let exit!: (code: number) => void;
  const stdin = new Writable({
    write: (_c, _e, cb) => cb(),
    final: (cb) => (cb(), setImmediate(() => exit(0))),
  });
  return {
    stdin,
    stderr: new PassThrough(),
    exit: new Promise((r) => (exit = r)),
    kill: () => exit(1),
  };
}

const begin = (name = 'shop', head: Buffer = DUMP, dumpBytes = head.length) => ({
  name,
  dumpBytes,
  head: head.toString('base64'),
});

function handlers(agent: ReturnType<typeof fakeAgent>) {
  return dumpImportHandlers(agent.s, {
    spawnLoader: () => fakeLoader(),
    dbTarget: async () => ({ container: 'db', password: 'pw' }),
  });
}

async function codeOf(p: unknown): Promise<string | undefined> {
  return Promise.resolve(p).then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );
}

describe('backups.dumpImport.*', () => {
  it('refuses what is not a dump, a non-admin, no room and a taken name before any project exists', async () => {
    const agent = fakeAgent();
    const h = handlers(agent);
    expect(
      await codeOf(h['backups.dumpImport.begin'](begin('shop', Buffer.from('PGDMP')), ctx())),
    ).toBe('IMPORT_UNSUPPORTED_FORMAT');
    expect(
      await codeOf(h['backups.dumpImport.begin'](begin('shop', Buffer.from('hi')), ctx())),
    ).toBe('IMPORT_NOT_A_DUMP');
    expect(await codeOf(h['backups.dumpImport.begin'](begin(), ctx('user')))).toBe('FORBIDDEN');
    expect(await codeOf(h['backups.dumpImport.begin'](begin('taken'), ctx()))).toBe('INVALID_NAME');
    // a head shorter than the dump's first 64 KiB is refused (the check must see the preamble)
    expect(await codeOf(h['backups.dumpImport.begin'](begin('shop', DUMP, 1e6), ctx()))).toBe(
      'INVALID_PARAMS',
    );
    const full = fakeAgent({ diskFreeMb: 150 });
    expect(
      await codeOf(
        handlers(full)['backups.dumpImport.begin'](begin('shop', HEAD_64K, 200 * 2 ** 20), ctx()),
      ),
    ).toBe('INSUFFICIENT_RESOURCES');
    expect([...agent.created, ...full.created]).toEqual([]);
  });

  it('a creation that fails is removed, like every later failure', async () => {
    const agent = fakeAgent({ creation: 'failed' });
    const error = await codeOf(handlers(agent)['backups.dumpImport.begin'](begin(), ctx()));
    expect(error).toBe('START_FAILED');
    expect(agent.deleted).toEqual(agent.created);
    expect(agent.created).toHaveLength(1);
  });

  it('loads, reports, and answers for the upload to its creator only', async () => {
    const agent = fakeAgent();
    const h = handlers(agent);
    const started = await h['backups.dumpImport.begin'](begin(), ctx());
    expect(started).toMatchObject({ chunkBytes: 512 * 1024, windowChunks: 4 });
    const other = { caller: { username: 'bob', role: 'admin' } } as unknown as HandlerContext;
    expect(
      await codeOf(
        h['backups.dumpImport.chunk'](
          { uploadId: started.uploadId, seq: 1, data: DUMP.toString('base64') },
          other,
        ),
      ),
    ).toBe('NOT_FOUND');
    await h['backups.dumpImport.chunk'](
      { uploadId: started.uploadId, seq: 1, data: DUMP.toString('base64') },
      ctx(),
    );
    const report = await h['backups.dumpImport.finish']({ uploadId: started.uploadId }, ctx());
    expect(report).toMatchObject({ dumpBytes: DUMP.length, errorCount: 0, files: 0 });
    expect(agent.deleted).toEqual([]);
    // finished: the upload is gone
    expect(
      await codeOf(h['backups.dumpImport.finish']({ uploadId: started.uploadId }, ctx())),
    ).toBe('NOT_FOUND');
  });

  it('a cancel removes the new project', async () => {
    const agent = fakeAgent();
    const h = handlers(agent);
    const started = await h['backups.dumpImport.begin'](begin(), ctx());
    await h['backups.dumpImport.cancel']({ uploadId: started.uploadId }, ctx());
    expect(agent.deleted).toEqual([started.instance.id]);
  });
});

describe('importDiskNeedMb', () => {
  it('counts the database at twice a plain dump and ten times a gzip one, plus the files', () => {
    expect(importDiskNeedMb(100 * 2 ** 20, false, 0, 256)).toBe(456);
    expect(importDiskNeedMb(100 * 2 ** 20, true, 50 * 2 ** 20, 256)).toBe(256 + 1000 + 50);
  });
});

describe('a full chunk on the wire', () => {
  it('passes the params schema and stays under the agent message cap', async () => {
    const { MethodParams } = await import('@protocol/methods');
    const { MAX_MESSAGE_BYTES } = await import('@protocol/rpc');
    const { IMPORT_CHUNK_BYTES } = await import('@common/dump-format');
    const params = {
      uploadId: 'u0123456789abcdef',
      seq: 1,
      data: Buffer.alloc(IMPORT_CHUNK_BYTES, 0xff).toString('base64'),
    };
    expect(MethodParams['backups.dumpImport.chunk'].safeParse(params).success).toBe(true);
    const line = JSON.stringify({
      jsonrpc: '2.0',
      id: 123456,
      method: 'backups.dumpImport.chunk',
      params,
    });
    expect(Buffer.byteLength(line) + 1).toBeLessThan(MAX_MESSAGE_BYTES);
    const file = { ...params, path: 'a/'.repeat(500) + 'b', offset: 1e12, last: false };
    delete (file as { seq?: number }).seq;
    expect(MethodParams['backups.dumpImport.file'].safeParse(file).success).toBe(true);
  });
});
