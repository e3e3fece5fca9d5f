import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DumpAnalyzer, connectTarget } from './dump-analyzer';

const DUMP = [
  'SET statement_timeout = 0;',
  'CREATE TABLE public.items (id integer, body text);',
  'COPY public.items (id, body) FROM stdin;',
  '1\talpha',
  '2\tCOPY public.fake (x) FROM stdin;',
  '3\tgamma',
  '\\.',
  '',
  'COPY auth.users (id, email) FROM stdin;',
  '\\.',
  'COPY "public"."odd name" (a) FROM stdin;',
  'x',
  '\\.',
  '',
].join('\n');

async function analyze(text: string, chunk: number) {
  const analyzer = new DumpAnalyzer();
  const pieces: Buffer[] = [];
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  for await (const out of Readable.from(chunks).pipe(analyzer)) pieces.push(out as Buffer);
  return { facts: analyzer.facts(), passed: Buffer.concat(pieces).toString() };
}

describe('DumpAnalyzer', () => {
  it('passes the dump through unchanged and counts each COPY block, whatever the chunking', async () => {
    for (const chunk of [1, 3, 7, 64, 100_000]) {
      const { facts, passed } = await analyze(DUMP, chunk);
      expect(passed).toBe(DUMP);
      expect(facts.bytes).toBe(Buffer.byteLength(DUMP));
      expect(facts.sha256).toBe(createHash('sha256').update(DUMP).digest('hex'));
      expect(facts.tables.map((t) => [t.table, t.rows])).toEqual([
        ['public.items', 3],
        ['auth.users', 0],
        ['"public"."odd name"', 1],
      ]);
    }
  });

  it('gives a table the same hash when its rows are the same, another when one changes', async () => {
    const a = (await analyze(DUMP, 5)).facts.tables[0]!.sha256;
    const b = (await analyze(DUMP.replace('gamma', 'gamma'), 11)).facts.tables[0]!.sha256;
    const c = (await analyze(DUMP.replace('gamma', 'delta'), 11)).facts.tables[0]!.sha256;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});

describe('DumpAnalyzer over two databases', () => {
  it("names a later database's tables with its name as prefix, the first's as they are", async () => {
    const two = [
      '\\connect postgres',
      'COPY public.items (id) FROM stdin;',
      '1',
      '\\.',
      "CREATE DATABASE _supabase WITH TEMPLATE = template0 ENCODING = 'UTF8';",
      '\\connect -reuse-previous=on "dbname=\'_supabase\'"',
      'COPY _analytics.sources (id) FROM stdin;',
      '1',
      '2',
      '\\.',
      '',
    ].join('\n');
    const { facts } = await analyze(two, 5);
    expect(facts.tables.map((t) => [t.table, t.rows])).toEqual([
      ['public.items', 1],
      ['_supabase:_analytics.sources', 2],
    ]);
    // one database alone (a drill's scratch copy dumped again): no prefix
    const { facts: alone } = await analyze(DUMP.replace('SET', '\\connect ub_drill_x\nSET'), 9);
    expect(alone.tables.map((t) => t.table)).toContain('public.items');
  });

  it('reads the database a \\connect line names', () => {
    expect(connectTarget('postgres')).toBe('postgres');
    expect(connectTarget('"odd ""db"""')).toBe('odd "db"');
    expect(connectTarget("\"dbname='it\\'s'\"")).toBe("it's");
  });
});
