import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BackupManifest } from '@protocol/backups';
import { ScratchDatabaseDump, firstPartTables, tableDifferences } from './drill';
import { LeadingBytes, loadPlan } from './restore-job';

// A drill must load the backup into its scratch database and nowhere else, and must notice a
// table that does not come back whole.

async function through(dump: string, chunk = 7): Promise<string> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < dump.length; i += chunk) pieces.push(Buffer.from(dump.slice(i, i + chunk)));
  const out: Buffer[] = [];
  for await (const c of Readable.from(pieces).pipe(new ScratchDatabaseDump('ub_drill_x'))) {
    out.push(c as Buffer);
  }
  return Buffer.concat(out).toString('utf8');
}

const DUMP = [
  '\\restrict abc',
  "CREATE DATABASE postgres WITH TEMPLATE = template0 ENCODING = 'UTF8';",
  'ALTER DATABASE postgres OWNER TO supabase_admin;',
  '\\connect postgres',
  "COMMENT ON DATABASE postgres IS 'default administrative connection database';",
  'CREATE TABLE public.notes (id int, body text);',
  'COPY public.notes (id, body) FROM stdin;',
  // rows may hold anything, also text that looks like the statements above
  '1\tCREATE DATABASE postgres',
  '2\t\\connect postgres',
  '3\tGRANT ALL ON DATABASE postgres TO x',
  '\\.',
  'GRANT ALL ON DATABASE postgres TO dashboard_user;',
  'DROP DATABASE postgres;',
  '\\c postgres',
  '\\unrestrict abc',
  '',
].join('\n');

describe('restore drills', () => {
  it('points the dump at the scratch database and never at the live one', async () => {
    for (const chunk of [1, 7, 64, 100_000]) {
      const out = await through(DUMP, chunk);
      const lines = out.split('\n');
      expect(lines.filter((l) => /^(\\c|\\connect|CREATE DATABASE|DROP DATABASE)/.test(l))).toEqual(
        [],
      );
      expect(out).toContain('ALTER DATABASE ub_drill_x OWNER TO supabase_admin;');
      expect(out).toContain("COMMENT ON DATABASE ub_drill_x IS 'default");
      expect(out).toContain('GRANT ALL ON DATABASE ub_drill_x TO dashboard_user;');
      // COPY data untouched
      expect(lines).toContain('1\tCREATE DATABASE postgres');
      expect(lines).toContain('2\t\\connect postgres');
      expect(lines).toContain('3\tGRANT ALL ON DATABASE postgres TO x');
      expect(out).toContain('\\restrict abc\n');
    }
  });

  it('names tables that are missing, short of rows or different', () => {
    const t = (table: string, rows: number, sha256 = 'h') => ({ table, rows, sha256 });
    expect(tableDifferences([t('a', 1), t('b', 2)], [t('b', 2), t('a', 1)])).toEqual([]);
    expect(
      tableDifferences([t('a', 1), t('b', 2), t('c', 3)], [t('a', 1, 'other'), t('b', 1)]),
    ).toEqual(['a: rows differ', 'b: 1 rows, not 2', 'c: missing']);
  });
});

describe('a dump of postgres followed by the service database', () => {
  const manifest = (parts?: { database: string; bytes: number }[]) =>
    ({
      database: {
        file: 'db.sql',
        bytes: 150,
        sha256: 'x',
        durationMs: 1,
        tables: [
          { table: 'public.items', rows: 1, sha256: 'a' },
          { table: '_supabase:_analytics.sources', rows: 2, sha256: 'b' },
        ],
        parts,
      },
    }) as unknown as BackupManifest;
  const two = [
    { database: 'postgres', bytes: 100 },
    { database: '_supabase', bytes: 50 },
  ];

  it('restores both in place, only postgres for a clone or a drill, all of an older backup', () => {
    expect(loadPlan(manifest(two), true)).toEqual({ drop: ['postgres', '_supabase'], bytes: 150 });
    expect(loadPlan(manifest(two), false)).toEqual({ drop: ['postgres'], bytes: 100 });
    // before the service database was backed up: one part, postgres, the whole dump
    expect(loadPlan(manifest(undefined), true)).toEqual({ drop: ['postgres'], bytes: 150 });
  });

  it('cuts the stream at the end of postgres, whatever the chunking', async () => {
    const text = `${'p'.repeat(100)}${'s'.repeat(50)}`;
    for (const chunk of [1, 7, 64, 100_000]) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < text.length; i += chunk)
        pieces.push(Buffer.from(text.slice(i, i + chunk)));
      const out: Buffer[] = [];
      for await (const c of Readable.from(pieces).pipe(new LeadingBytes(100)))
        out.push(c as Buffer);
      expect(Buffer.concat(out).toString()).toBe('p'.repeat(100));
    }
  });

  it("checks a drill against postgres's tables only", () => {
    expect(firstPartTables(manifest(two).database).map((t) => t.table)).toEqual(['public.items']);
    expect(firstPartTables(manifest(undefined).database)).toHaveLength(2);
  });
});
