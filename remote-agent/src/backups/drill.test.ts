import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ScratchDatabaseDump, tableDifferences } from './drill';

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
