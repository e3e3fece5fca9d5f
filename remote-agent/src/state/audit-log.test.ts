import { mkdtempSync, promises as fs, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log';

let dir: string;
let file: string;
const now = () => new Date('2030-01-01T00:00:00Z');
const line = (seq: number, action = `a${seq}`) =>
  JSON.stringify({ seq, at: '2030-01-01T00:00:00Z', actor: 'x', action, result: 'ok' }) + '\n';

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-audit-'));
  file = path.join(dir, 'audit.log');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('AuditLog recovery (review #15)', () => {
  it('keeps every valid entry after a damaged line and never reuses a sequence number', async () => {
    await fs.writeFile(
      file,
      line(1) + line(2) + '{"seq":3,"at":"20\n' + line(4) + line(5) + line(6) + line(7) + line(8),
    );
    const log = await AuditLog.open(dir, now);
    const entry = await log.append({ actor: 'b', action: 'next', result: 'ok' });
    expect(entry.seq).toBe(9);
    expect((await log.list(100)).map((e) => e.seq)).toEqual([1, 2, 4, 5, 6, 7, 8, 9]);
  });

  it('cuts only a torn final line', async () => {
    await fs.writeFile(file, line(1) + line(2) + '{"seq":3,"at":"2030');
    const log = await AuditLog.open(dir, now);
    expect((await fs.readFile(file, 'utf8')).endsWith(line(2))).toBe(true);
    expect((await log.append({ actor: 'b', action: 'z', result: 'ok' })).seq).toBe(3);
  });
});

describe('AuditLog size (review #2)', () => {
  it('opens and lists a log larger than a string can hold without reading it whole', async () => {
    // 600 MiB of damage (sparse, so the disk does not pay), then two good entries.
    await fs.writeFile(file, line(1));
    await fs.truncate(file, 600 * 1024 * 1024);
    await fs.appendFile(file, '\n' + line(41) + line(42));
    const log = await AuditLog.open(dir, now);
    expect((await log.append({ actor: 'b', action: 'z', result: 'ok' })).seq).toBe(43);
    expect((await log.list(2)).map((e) => e.seq)).toEqual([42, 43]);
  });

  it('rotates by size, keeps a bounded number of files, lists across them', async () => {
    const log = await AuditLog.open(dir, now, { maxBytes: 1000, keepFiles: 2 });
    for (let i = 0; i < 60; i++) await log.append({ actor: 'a', action: `n${i}`, result: 'ok' });
    expect(readdirSync(dir).sort()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    for (const name of readdirSync(dir)) {
      expect(statSync(path.join(dir, name)).size).toBeLessThanOrEqual(1000);
    }
    const listed = await log.list(15);
    expect(listed.map((e) => e.action)).toEqual(Array.from({ length: 15 }, (_, i) => `n${45 + i}`));
    // Right after a rotation audit.log may be empty: the sequence continues from audit.log.1.
    await fs.rename(`${file}.1`, `${file}.2`);
    await fs.rename(file, `${file}.1`);
    const reopened = await AuditLog.open(dir, now, { maxBytes: 1000, keepFiles: 2 });
    expect((await reopened.append({ actor: 'a', action: 'z', result: 'ok' })).seq).toBe(61);
  });
});

describe('AuditLog counted attempts (review #2)', () => {
  it('sums refused attempts per key into one line per window', async () => {
    const log = await AuditLog.open(dir, now, { maxCountKeys: 3 });
    const refused = (actor: string, code = 'INVALID_CREDENTIALS') =>
      log.count({ actor, action: 'auth.login', target: actor, result: 'error', code });
    for (let i = 0; i < 1000; i++) refused('alice');
    refused('alice', 'RATE_LIMITED');
    for (let i = 0; i < 50; i++) refused(`spray${i}`);
    expect(await log.list(10)).toEqual([]);
    await log.flushCounts();
    const entries = await log.list(10);
    expect(entries.map((e) => [e.actor, e.code, e.detail?.attempts])).toEqual([
      ['alice', 'INVALID_CREDENTIALS', 1000],
      ['alice', 'RATE_LIMITED', 1],
      ['spray0', 'INVALID_CREDENTIALS', 1],
      ['*', 'INVALID_CREDENTIALS', 49],
    ]);
    await log.flushCounts();
    expect(await log.list(10)).toHaveLength(4);
    await log.close();
  });
});
