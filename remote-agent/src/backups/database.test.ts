import { describe, expect, it } from 'vitest';
import { KEYED_TABLES_SQL, copierScript, exactTablePattern, type KeyedTable } from './database';

// The key-order dump's pieces that need no Postgres; the whole dump runs against the rig's
// Postgres in test/integration/backups.test.ts (restore, clone, drill, deduplication).

const table = (name: string): KeyedTable => ({
  schema: 'public',
  name,
  headerSql: `SELECT 'COPY public.${name} (id, body) FROM stdin;'`,
  copySql: `COPY (SELECT id, body FROM ONLY public.${name} ORDER BY id) TO STDOUT`,
});

describe('the key-order dump', () => {
  it('names exactly one table in a pg_dump pattern, whatever its name holds', () => {
    expect(exactTablePattern('public', 'items')).toBe('"public"."items"');
    // quotes doubled; wildcards, dots and pipes are literal inside pg_dump's quoted patterns
    expect(exactTablePattern('we"ird', 'a*b.c|d?')).toBe('"we""ird"."a*b.c|d?"');
  });

  it("copies every keyed table in the exported snapshot, framed as pg_dump's COPY blocks", () => {
    const script = copierScript('00000003-0000001A-1', [table('a'), table('b')]);
    const lines = script.trim().split('\n');
    const begin = lines.indexOf('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;');
    expect(begin).toBeGreaterThan(0);
    // the snapshot must be the transaction's first statement, the COPYs all inside it
    expect(lines[begin + 1]).toBe("SET TRANSACTION SNAPSHOT '00000003-0000001A-1';");
    expect(lines.slice(begin + 2)).toEqual([
      "SELECT 'COPY public.a (id, body) FROM stdin;';",
      'COPY (SELECT id, body FROM ONLY public.a ORDER BY id) TO STDOUT;',
      "SELECT '\\.';",
      "SELECT 'COPY public.b (id, body) FROM stdin;';",
      'COPY (SELECT id, body FROM ONLY public.b ORDER BY id) TO STDOUT;',
      "SELECT '\\.';",
      'COMMIT;',
    ]);
    // pg_dump's own output settings, so the rows are the bytes pg_dump would write
    for (const setting of ['DateStyle = ISO', 'IntervalStyle = postgres', 'extra_float_digits = 3'])
      expect(lines.slice(0, begin)).toContain(`SET ${setting};`);
  });

  it('lists tables the way pg_dump dumps them: no extension members, no generated columns', () => {
    // what the server-side listing must keep to (its behaviour is proven on the rig)
    expect(KEYED_TABLES_SQL).toContain("a.attgenerated = ''");
    expect(KEYED_TABLES_SQL).toContain('NOT a.attisdropped');
    expect(KEYED_TABLES_SQL).toContain("d.deptype = 'e'");
    expect(KEYED_TABLES_SQL).toContain('FROM ONLY %I.%I');
    expect(KEYED_TABLES_SQL).toContain("c.relkind = 'r'");
  });
});
