import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { BackupTable } from '@protocol/backups';
import { DATABASE, dumpDatabase, psql, type DbTarget } from './database';
import { DB_FILE } from './backup-job';
import { DumpAnalyzer } from './dump-analyzer';
import { LeadingBytes, loadPlan, type RestoreDeps, type VerifiedBackup } from './restore-job';

/**
 * Turns a `pg_dump --create postgres` into one that loads into another database, for a drill:
 * outside COPY data, `CREATE DATABASE`, `DROP DATABASE` and every `\connect` are dropped (psql
 * is started connected to the scratch database, so nothing can reach the live one), and the
 * database-level statements (`ALTER/COMMENT ON/GRANT … ON DATABASE postgres`) name the scratch
 * database instead. COPY data lines pass untouched: a row can hold any text.
 */
export class ScratchDatabaseDump extends Transform {
  private partial = '';
  private inCopy = false;

  constructor(private readonly scratch: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = this.partial + chunk.toString('utf8');
    const end = text.lastIndexOf('\n');
    this.partial = end < 0 ? text : text.slice(end + 1);
    if (end >= 0) this.push(this.lines(text.slice(0, end + 1)));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.partial) this.push(this.lines(this.partial));
    this.partial = '';
    done();
  }

  private lines(text: string): string {
    const out: string[] = [];
    for (const line of text.split(/(?<=\n)/)) out.push(this.line(line));
    return out.join('');
  }

  private line(line: string): string {
    const bare = line.replace(/\n$/, '');
    if (this.inCopy) {
      if (bare === '\\.') this.inCopy = false;
      return line;
    }
    if (/^COPY .* FROM stdin;$/.test(bare)) {
      this.inCopy = true;
      return line;
    }
    if (/^\\(c|connect)(\s|$)/.test(bare) || /^(CREATE|DROP) DATABASE\s/i.test(bare)) {
      return `-- (drill) ${bare.slice(0, 40)}\n`;
    }
    return line.replace(new RegExp(`\\bDATABASE ${DATABASE}\\b`, 'g'), `DATABASE ${this.scratch}`);
  }
}

/** The manifest's tables of its first database (`postgres`), without a later part's. */
export function firstPartTables(database: {
  tables: BackupTable[];
  parts?: { database: string }[];
}): BackupTable[] {
  const later = (database.parts ?? []).slice(1).map((p) => `${p.database}:`);
  return database.tables.filter((t) => !later.some((prefix) => t.table.startsWith(prefix)));
}

/** Tables whose rows differ between the backup's manifest and a dump of the loaded copy. */
export function tableDifferences(expected: BackupTable[], actual: BackupTable[]): string[] {
  const found = new Map(actual.map((t) => [t.table, t]));
  const problems: string[] = [];
  for (const want of expected) {
    const got = found.get(want.table);
    if (!got) problems.push(`${want.table}: missing`);
    else if (got.rows !== want.rows)
      problems.push(`${want.table}: ${got.rows} rows, not ${want.rows}`);
    else if (got.sha256 !== want.sha256) problems.push(`${want.table}: rows differ`);
  }
  return problems;
}

/**
 * A restore drill: the backup's database loaded into a throwaway database in the project's own
 * Postgres, dumped again, and every table's row count and row hash compared with the manifest
 * (which was computed from the original dump). The scratch database is dropped afterwards, also
 * on failure. Needs room for one more copy of the database while it runs.
 */
export async function drillDatabase(
  deps: RestoreDeps,
  input: { backup: VerifiedBackup; db: DbTarget },
): Promise<{ tables: number; rows: number }> {
  const { backup, db } = input;
  const scratch = `ub_drill_${randomBytes(4).toString('hex')}`;
  const drop = () =>
    psql(db, 'template1', {
      stopOnError: true,
      sql: `DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`,
    }).done;
  deps.progress({
    phase: 'restoring-database',
    backupId: backup.manifest.id,
    message: 'Loading the backup into a throwaway database',
  });
  await psql(db, 'template1', { stopOnError: true, sql: `CREATE DATABASE ${scratch}` }).done;
  try {
    // Errors do not stop the load (an extension that lives in one database only, e.g.
    // pg_cron): the table comparison below is what decides.
    const load = psql(db, scratch, { stopOnError: false });
    const stdin = load.child.stdin;
    if (!stdin) throw new Error('psql has no stdin');
    stdin.on('error', () => undefined);
    // `postgres` only: a later part (the service database) would need a scratch database of its own
    const plan = loadPlan(backup.manifest, false);
    const dump = deps.restic.dump(backup.target, backup.dbSnapshot, DB_FILE);
    dump.stream
      .pipe(new LeadingBytes(plan.bytes))
      .pipe(new ScratchDatabaseDump(scratch))
      .pipe(stdin);
    try {
      await Promise.all([dump.run.done, load.done]);
    } catch (error) {
      dump.run.abort();
      load.child.kill('SIGTERM');
      throw error;
    }
    deps.progress({
      phase: 'verifying',
      backupId: backup.manifest.id,
      message: 'Comparing every table with the backup',
    });
    const again = dumpDatabase({ ...db }, { databases: [scratch] });
    const analyzer = new DumpAnalyzer();
    again.stream.pipe(analyzer);
    analyzer.resume();
    await Promise.all([again.done, new Promise((resolve) => analyzer.on('end', resolve))]);
    const tables = analyzer.facts().tables;
    const problems = tableDifferences(firstPartTables(backup.manifest.database), tables);
    if (problems.length > 0) {
      throw new CodedError(
        ErrorCode.RESTORE_FAILED,
        `The restore drill of backup ${backup.manifest.id} does not give back what it held: ` +
          `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}.`,
        { backupId: backup.manifest.id, tables: problems.length },
      );
    }
    return {
      tables: tables.length,
      rows: tables.reduce((n, t) => n + t.rows, 0),
    };
  } finally {
    await drop();
  }
}
