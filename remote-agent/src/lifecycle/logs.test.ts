import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDockerEngine } from '../docker/fake-engine';
import type { LogLine } from '@protocol/types';
import { followLogs, MAX_READ_BYTES_PER_SERVICE, MAX_READ_LINES_PER_SERVICE } from './logs';
import { splitRun } from '../logs/json-file-records';

function read(engine: FakeDockerEngine, tail: number): Promise<LogLine[]> {
  const got: LogLine[] = [];
  return new Promise((resolve, reject) => {
    followLogs(
      engine,
      'ub_logs',
      { tail, follow: false },
      {
        write: (lines) => (got.push(...lines), true),
        onDrain: () => undefined,
        end: (error) => (error ? reject(new Error(error.message)) : resolve(got)),
      },
    );
  });
}

describe('a log read without follow (finding 17)', () => {
  it('keeps at most the newest lines of each service, whatever tail asks for', async () => {
    const engine = new FakeDockerEngine();
    const db = engine.startService('ub_logs', 'db', 'x');
    db.log = Array.from({ length: MAX_READ_LINES_PER_SERVICE * 2 }, (_, i) => `line ${i}`);
    const lines = await read(engine, 100_000);
    expect(lines).toHaveLength(MAX_READ_LINES_PER_SERVICE);
    expect(lines.at(-1)?.text).toBe(`line ${MAX_READ_LINES_PER_SERVICE * 2 - 1}`);
  });

  it('caps the bytes held per service too', async () => {
    const engine = new FakeDockerEngine();
    const db = engine.startService('ub_logs', 'db', 'x');
    db.log = Array.from({ length: 2_000 }, (_, i) => `${i} ${'x'.repeat(10_000)}`);
    const lines = await read(engine, 100_000);
    const bytes = lines.reduce((n, l) => n + l.text.length, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_READ_BYTES_PER_SERVICE);
    expect(lines.at(-1)?.text.startsWith('1999 ')).toBe(true);
  });
});

describe('a log follow read from the container’s json-file', () => {
  const record = (text: string) =>
    JSON.stringify({ log: `${text}\n`, stream: 'stdout', time: '2026-12-02T07:00:00Z' });

  async function withLogFile(engine: FakeDockerEngine, id: string, path: string) {
    const inspect = engine.inspectContainer.bind(engine);
    engine.inspectContainer = async (cid: string) =>
      cid === id ? { ...(await inspect(cid)), LogPath: path } : inspect(cid);
  }

  function follow(engine: FakeDockerEngine, format: 'lines' | 'records') {
    const got: { records: string[]; lines: LogLine[]; sources: string[] } = {
      records: [],
      lines: [],
      sources: [],
    };
    const handle = followLogs(
      engine,
      'ub_logs',
      { tail: 10, follow: true, format },
      {
        write: (lines, source) => (got.lines.push(...lines), got.sources.push(source ?? '?'), true),
        writeRecords: (service, run) => (
          got.records.push(...splitRun(run).map((r) => `${service} ${r.toString('utf8')}`)),
          true
        ),
        onDrain: () => undefined,
        end: () => undefined,
      },
    );
    return { got, handle };
  }

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  };

  it('ships records as read for a records follow, and lines for others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ub-logs-'));
    const path = join(dir, 'x-json.log');
    await writeFile(path, `${record('one')}\n${record('two')}\n`);
    const engine = new FakeDockerEngine();
    const db = engine.startService('ub_logs', 'db', 'x');
    db.log = ['not read: the file is'];
    await withLogFile(engine, db.id, path);

    const raw = follow(engine, 'records');
    await until(() => raw.got.records.length === 2);
    expect(raw.got.records).toEqual([`db ${record('one')}`, `db ${record('two')}`]);
    expect(raw.got.lines).toEqual([]);
    raw.handle.cancel();

    const parsed = follow(engine, 'lines');
    await until(() => parsed.got.lines.length === 2);
    expect(parsed.got.lines.map((l) => l.text)).toEqual(['one', 'two']);
    expect(parsed.got.sources).toEqual(['file']);
    parsed.handle.cancel();
    await rm(dir, { recursive: true, force: true });
  });

  it('falls back to the Engine API when the log file cannot be read, and says so', async () => {
    const engine = new FakeDockerEngine();
    const db = engine.startService('ub_logs', 'db', 'x');
    db.log = ['2026-12-02T07:00:00.000000000Z from dockerd'];
    await withLogFile(engine, db.id, '/nonexistent/ub-test/x-json.log');
    const { got, handle } = follow(engine, 'records');
    await until(() => got.lines.length === 1);
    expect(got.lines[0]?.text).toBe('from dockerd');
    expect(got.sources).toEqual(['engine']);
    expect(got.records).toEqual([]);
    handle.cancel();
  });
});
