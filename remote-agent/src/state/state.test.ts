import { mkdtempSync, promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log';
import { lockDataDir } from './lock';
import { StateStore, STATE_FILE } from './store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-state-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('StateStore', () => {
  it('starts empty with the schema version and persists every acknowledged change', async () => {
    const store = await StateStore.open(dir);
    expect(store.read().schemaVersion).toBe(1);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.mutate((s) => {
          s.sessions[`t${i}`] = { username: 'u', createdAt: 'x', expiresAt: 'y' };
        }),
      ),
    );
    const reopened = await StateStore.open(dir);
    expect(Object.keys(reopened.read().sessions)).toHaveLength(20);
  });

  it('resolves a mutation only once the file on disk holds it (what kill -9 relies on)', async () => {
    const store = await StateStore.open(dir);
    for (let i = 0; i < 5; i++) {
      await store.mutate((s) => {
        s.sessions[`k${i}`] = { username: 'u', createdAt: 'x', expiresAt: 'y' };
      });
      const onDisk = JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as {
        sessions: Record<string, unknown>;
      };
      expect(Object.keys(onDisk.sessions)).toHaveLength(i + 1);
    }
  });

  it('a throwing mutation changes nothing', async () => {
    const store = await StateStore.open(dir);
    await expect(
      store.mutate((s) => {
        s.sessions.a = { username: 'u', createdAt: 'x', expiresAt: 'y' };
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(store.read().sessions).toEqual({});
  });

  it('removes temp files left by a crash and refuses a newer schema', async () => {
    writeFileSync(path.join(dir, `.${STATE_FILE}.tmp-1-1`), '{"half');
    await StateStore.open(dir);
    expect(readdirSync(dir).filter((n) => n.includes('tmp'))).toEqual([]);
    writeFileSync(
      path.join(dir, STATE_FILE),
      JSON.stringify({ schemaVersion: 99, users: {}, sessions: {}, instances: {} }),
    );
    await expect(StateStore.open(dir)).rejects.toThrow(/newer agent/);
  });

  it('writes the state file with mode 0600', async () => {
    const store = await StateStore.open(dir);
    await store.mutate(() => undefined);
    const mode = (await fs.stat(path.join(dir, STATE_FILE))).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});

describe('AuditLog', () => {
  const now = () => new Date('2030-01-01T00:00:00Z');

  it('numbers entries across restarts and trims a torn last line', async () => {
    const log = await AuditLog.open(dir, now);
    await Promise.all([
      log.append({ actor: 'a', action: 'x', result: 'ok' }),
      log.append({ actor: 'a', action: 'y', result: 'ok' }),
    ]);
    await fs.appendFile(path.join(dir, 'audit.log'), '{"seq":3,"at":"2030');
    const again = await AuditLog.open(dir, now);
    const entry = await again.append({ actor: 'b', action: 'z', result: 'error', code: 'X' });
    expect(entry.seq).toBe(3);
    const text = await fs.readFile(path.join(dir, 'audit.log'), 'utf8');
    expect((await again.list(10)).map((e) => e.action)).toEqual(['x', 'y', 'z']);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(4);
  });

  it('lists the newest entries matching a filter, oldest first', async () => {
    const log = await AuditLog.open(dir, now);
    for (let i = 0; i < 5; i++) await log.append({ actor: 'a', action: `n${i}`, result: 'ok' });
    // Appended means on disk: a second reader sees the entry as soon as append resolves.
    await expect((await AuditLog.open(dir, now)).list(10)).resolves.toHaveLength(5);
    const listed = await log.list(2, (e) => e.action !== 'n4');
    expect(listed.map((e) => e.action)).toEqual(['n2', 'n3']);
  });
});

describe('lockDataDir', () => {
  it('refuses a second lock while held and takes over a dead owner', async () => {
    const lock = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    lock.release();
    // A lock left by a process that no longer exists.
    writeFileSync(path.join(dir, 'agent.lock'), JSON.stringify({ pid: 2 ** 22 + 1, started: '1' }));
    const taken = await lockDataDir(dir);
    taken.release();
  });
});

describe('state maps and the prototype chain', () => {
  const hostile = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

  it('resolves no inherited name as a user, session or instance, fresh or reloaded', async () => {
    writeFileSync(
      path.join(dir, STATE_FILE),
      '{"schemaVersion":1,"users":{},"sessions":{},"instances":{}}',
    );
    const loaded = await StateStore.open(dir);
    await loaded.mutate(() => undefined);
    const again = await StateStore.open(dir);
    for (const store of [loaded, again]) {
      const state = store.read();
      for (const key of hostile) {
        expect(state.users[key]).toBeUndefined();
        expect(state.sessions[key]).toBeUndefined();
        expect(state.instances[key]).toBeUndefined();
      }
    }
  });

  it('stores a key named __proto__ as data and reads it back', async () => {
    const store = await StateStore.open(dir);
    await store.mutate((s) => {
      s.sessions['__proto__'] = { username: 'u', createdAt: 'x', expiresAt: 'y' };
    });
    expect(Object.keys(store.read().sessions)).toEqual(['__proto__']);
    const again = await StateStore.open(dir);
    expect(again.read().sessions['__proto__']?.username).toBe('u');
    expect(Object.getPrototypeOf(again.read().sessions)).toBeNull();
  });
});
