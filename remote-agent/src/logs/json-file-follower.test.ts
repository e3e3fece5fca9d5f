import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { open } from 'node:fs/promises';
import { JsonFileFollower, tailStart } from './json-file-follower';
import {
  encodeRecordBatch,
  isWholeRecord,
  joinRecords,
  parseRecords,
  splitRun,
} from './json-file-records';

const record = (text: string) =>
  JSON.stringify({ log: `${text}\n`, stream: 'stdout', time: '2026-12-02T07:00:00.000000001Z' }) +
  '\n';
const records = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => record(`line ${from + i}`)).join('');

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ub-jsonfile-'));
  path = join(dir, 'c-json.log');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Collects texts; `pauseAfter` batches answer false (the window is full) until resumed. */
function collect(opts: { tail?: number; follow: boolean; chunkBytes?: number }) {
  const texts: string[] = [];
  let batches = 0;
  let pauseEvery = 0;
  let ended: Promise<void> = Promise.resolve();
  let endedResolve!: () => void;
  ended = new Promise((r) => (endedResolve = r));
  const start = () =>
    JsonFileFollower.start(
      { path, ...opts, pollMs: 20 },
      {
        records: (run) => {
          batches += 1;
          texts.push(...parseRecords('db', run).map((l) => l.text));
          return pauseEvery === 0 || batches % pauseEvery !== 0;
        },
        end: () => endedResolve(),
      },
    );
  return {
    texts,
    ended,
    start,
    pauseEvery: (n: number) => (pauseEvery = n),
    get batches() {
      return batches;
    },
  };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('JsonFileFollower', () => {
  it('reads the last lines across the rotated file, oldest first, then ends without follow', async () => {
    await writeFile(`${path}.1`, records(0, 50));
    await writeFile(path, records(50, 80));
    const c = collect({ tail: 40, follow: false });
    await c.start();
    await c.ended;
    expect(c.texts).toEqual(Array.from({ length: 40 }, (_, i) => `line ${40 + i}`));
  });

  it('reads everything when no tail is given, and a partial last line only once it is whole', async () => {
    await writeFile(`${path}.2`, records(0, 3));
    await writeFile(`${path}.1`, records(3, 6));
    await writeFile(path, records(6, 9) + record('line 9').slice(0, 10));
    const c = collect({ follow: true });
    const f = await c.start();
    await until(() => c.texts.length === 9);
    expect(c.texts).toEqual(Array.from({ length: 9 }, (_, i) => `line ${i}`));
    await appendFile(path, record('line 9').slice(10));
    await until(() => c.texts.length === 10);
    expect(c.texts.at(-1)).toBe('line 9');
    f.cancel();
    await c.ended;
  });

  it('follows appends and a rotation (rename + new file) without losing or repeating a line', async () => {
    await writeFile(path, records(0, 5));
    const c = collect({ tail: 2, follow: true });
    const f = await c.start();
    await until(() => c.texts.length === 2);
    await appendFile(path, records(5, 8));
    await rename(path, `${path}.1`);
    await writeFile(path, records(8, 12));
    await until(() => c.texts.length === 9);
    expect(c.texts).toEqual(Array.from({ length: 9 }, (_, i) => `line ${3 + i}`));
    f.cancel();
    await c.ended;
  });

  it('ends a follow when the container folder is removed', async () => {
    await writeFile(path, records(0, 1));
    const c = collect({ follow: true });
    await c.start();
    await until(() => c.texts.length === 1);
    await rm(dir, { recursive: true, force: true });
    await c.ended;
  });

  it('stops reading while the consumer is full and goes on when resumed', async () => {
    await writeFile(path, records(0, 2000));
    const c = collect({ follow: false, chunkBytes: 4096 });
    c.pauseEvery(1);
    const f = await c.start();
    await until(() => c.batches === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.batches).toBe(1);
    f.resume();
    await until(() => c.batches === 2);
    c.pauseEvery(0);
    f.resume();
    await c.ended;
    expect(c.texts).toHaveLength(2000);
    expect(new Set(c.texts).size).toBe(2000);
  });

  it('refuses to open what it cannot read, so the caller can fall back to the Engine API', async () => {
    const c = collect({ follow: true });
    await expect(c.start()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('skips a torn write, which would otherwise break the message it is embedded in', async () => {
    const torn = record('torn').slice(0, 15);
    await writeFile(path, record('a') + torn + record('b') + record('c'));
    const c = collect({ follow: false });
    await c.start();
    await c.ended;
    expect(c.texts).toEqual(['a', 'c']);
  });
});

describe('json-file records', () => {
  it('embeds whole records in a batch that is valid JSON', () => {
    const lines = [record('x "quoted"'), record('ü\\back')].map((r) => Buffer.from(r.slice(0, -1)));
    expect(lines.every(isWholeRecord)).toBe(true);
    const run = { joined: Buffer.from(lines.join(',')), count: lines.length };
    const batch = JSON.parse(encodeRecordBatch('db', run).toString('utf8'));
    expect(batch.source).toBe('file');
    expect(batch.service).toBe('db');
    expect(batch.records.map((r: { log: string }) => r.log)).toEqual(['x "quoted"\n', 'ü\\back\n']);
  });

  it('tells a whole record from other text', () => {
    expect(isWholeRecord(Buffer.from('{"log":"x\\n","stream":"stdout","time":"t"}'))).toBe(true);
    expect(isWholeRecord(Buffer.from('{"log":"x'))).toBe(false);
    expect(isWholeRecord(Buffer.from('{"log":"x{"log":"y","stream":"stdout","time":"t"}'))).toBe(
      false,
    );
    expect(isWholeRecord(Buffer.from('not json'))).toBe(false);
  });

  it('joins the whole records of a chunk in place and cuts out every other line', () => {
    const a = record('a "q"');
    const b = record('b');
    const torn = record('torn').slice(0, 15);
    const text =
      a +
      torn +
      b +
      'garbage}\n' +
      record('c').slice(0, -2) +
      '\n' +
      record('d') +
      b +
      record('e').slice(0, 9);
    const data = Buffer.from(text);
    const { length, count, rest } = joinRecords(data);
    // The torn write takes the record appended after it (b) along: one line, two openings.
    expect(count).toBe(3);
    const joined = data.subarray(0, length).toString('utf8');
    expect(joined).toBe([a, record('d'), b].map((r) => r.slice(0, -1)).join(','));
    expect(JSON.parse(`[${joined}]`).map((r: { log: string }) => r.log)).toEqual([
      'a "q"\n',
      'd\n',
      'b\n',
    ]);
    expect(data.subarray(rest).toString('utf8')).toBe(record('e').slice(0, 9));
    const run = { joined: data.subarray(0, length), count };
    expect(parseRecords('db', run).map((l) => l.text)).toEqual(['a "q"', 'd', 'b']);
    expect(splitRun(run)).toHaveLength(3);
  });

  it('joins a chunk of whole records without moving them, and an empty one to nothing', () => {
    const data = Buffer.from(records(0, 100));
    const { length, count, rest } = joinRecords(data);
    expect([count, rest, length]).toEqual([100, data.length, data.length - 1]);
    expect(joinRecords(Buffer.from(record('x').slice(0, 20)))).toEqual({
      length: 0,
      count: 0,
      rest: 0,
    });
  });

  it('finds where the last n lines start across backward blocks of any size', async () => {
    // Small blocks put newlines at both ends of a block; the large ones cross many lines.
    for (const [lines, blocks] of [
      [20, [1, 2, 3, 5, 7]],
      [500, [64, 1000, 1024 * 1024]],
    ] as const) {
      const text = records(0, lines);
      await writeFile(path, text);
      const h = await open(path, 'r');
      try {
        const size = Buffer.byteLength(text);
        const offsets = [0];
        for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1))
          offsets.push(i + 1);
        for (const block of blocks) {
          for (const n of [0, 1, 2, lines / 2, lines - 1, lines, lines + 1, 10_000]) {
            const want = n >= lines ? { start: 0, lines } : { start: offsets[lines - n], lines: n };
            expect(await tailStart(h, size, n, block)).toEqual(want);
          }
        }
      } finally {
        await h.close();
      }
    }
  });
});
