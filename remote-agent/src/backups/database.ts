import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { CodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';

/**
 * The project's database, reached only through its own db container (`docker exec`): the
 * server needs no Postgres client, and the dump is taken by the very Postgres it belongs to.
 * The password travels in the docker CLI's environment (`-e PGPASSWORD` names it, the value is
 * not in argv), so `ps` never shows it.
 */
export const SUPERUSER = 'supabase_admin';
export const DATABASE = 'postgres';

export interface DbTarget {
  /** Container id or name of the project's `db` service. */
  container: string;
  password: string;
}

export interface Exec {
  child: ChildProcess;
  done: Promise<string>;
}

function exec(
  target: DbTarget,
  argv: string[],
  options: { stdin?: boolean; collect?: boolean; step: string; code: ErrorCode },
): Exec {
  const child = spawn(
    'docker',
    ['exec', ...(options.stdin ? ['-i'] : []), '-e', 'PGPASSWORD', target.container, ...argv],
    {
      env: { ...process.env, PGPASSWORD: target.password },
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  if (options.collect !== false) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => (stdout += c));
  }
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr = (stderr + c).slice(-32_000)));
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', (error) =>
      reject(new CodedError(options.code, `${options.step}: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else {
        const tail = stderr.trim().split('\n').slice(-6).join('\n');
        reject(
          new CodedError(options.code, `${options.step} failed (exit ${code}): ${tail}`, {
            step: options.step,
          }),
        );
      }
    });
  });
  done.catch(() => undefined);
  return { child, done };
}

const connection = ['-h', '/var/run/postgresql', '-U', SUPERUSER, '-w'];

/** The kit's second database: the analytics and pooler services' own data (not the app's). */
export const SERVICE_DATABASE = '_supabase';

/** A dump being streamed: `done` settles when every part has exited (rejects on any failure). */
export interface DumpRun {
  stream: Readable;
  /** The databases dumped so far, one after the other in the stream, with each one's size. */
  parts: DumpPart[];
  done: Promise<void>;
  /** Stops every process of the dump (the stream ends with an error, `done` rejects). */
  abort(): void;
}

export interface DumpPart {
  database: string;
  bytes: number;
}

/** A table whose rows the dump copies itself, in key order (see `dumpDatabase`). */
export interface KeyedTable {
  schema: string;
  name: string;
  /** `SELECT '<COPY header>'`: the very line pg_dump writes before the table's rows. */
  headerSql: string;
  /** `COPY (SELECT <columns> FROM ONLY <table> ORDER BY <key>) TO STDOUT`. */
  copySql: string;
}

/**
 * Every table whose data pg_dump would dump and that has a key the rows can be ordered by: the
 * primary key, else a unique index without expressions or predicate on NOT NULL columns. Names
 * are quoted by the server (quote_ident, format %I, quote_literal): no user text is quoted here.
 * Extension member tables (their config data is pg_dump's job, with its filters), tables without
 * columns and partitioned parents (their rows are in the leaf partitions) are left out; the
 * column list is pg_dump's: no dropped or generated columns.
 */
export const KEYED_TABLES_SQL = `
SELECT coalesce(jsonb_agg(jsonb_build_object(
    'schema', n.nspname, 'name', c.relname,
    'headerSql', 'SELECT ' || quote_literal(format('COPY %s.%s (%s) FROM stdin;',
        quote_ident(n.nspname), quote_ident(c.relname), cols.list)),
    'copySql', format('COPY (SELECT %s FROM ONLY %I.%I ORDER BY %s) TO STDOUT',
        cols.list, n.nspname, c.relname, k.list)
  ) ORDER BY n.nspname, c.relname), '[]')::text
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS list
  FROM pg_attribute a
  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
) cols
CROSS JOIN LATERAL (
  SELECT (
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY key.ord)
    FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS key(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = key.attnum
    WHERE key.ord <= i.indnkeyatts
  ) AS list
  FROM pg_index i
  WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indislive
    AND i.indpred IS NULL AND i.indexprs IS NULL
    AND NOT EXISTS (
      SELECT 1 FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS key(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = key.attnum
      WHERE key.ord <= i.indnkeyatts AND NOT a.attnotnull
    )
  ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid
  LIMIT 1
) k
WHERE c.relkind = 'r' AND c.relpersistence IN ('p', 'u')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND cols.list IS NOT NULL AND k.list IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
    AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
    AND d.objid = n.oid AND d.deptype = 'e');
`;

/** A pg_dump `--exclude-table-data` pattern naming exactly one table (quoted: no wildcards). */
export function exactTablePattern(schema: string, name: string): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `${q(schema)}.${q(name)}`;
}

/** The SQL the copier session runs: every keyed table's rows in key order, framed as pg_dump does. */
export function copierScript(snapshot: string, tables: KeyedTable[]): string {
  return [
    // pg_dump's own session settings, so the rows come out as pg_dump writes them
    'SET statement_timeout = 0;',
    'SET lock_timeout = 0;',
    'SET idle_in_transaction_session_timeout = 0;',
    'SET DateStyle = ISO;',
    'SET IntervalStyle = postgres;',
    'SET extra_float_digits = 3;',
    'SET row_security = off;',
    // walk the key's index instead of sorting: no sort spilled to the db's disk, rows flow at once
    'SET enable_sort = off;',
    'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;',
    `SET TRANSACTION SNAPSHOT '${snapshot}';`,
    ...tables.flatMap((t) => [`${t.headerSql};`, `${t.copySql};`, "SELECT '\\.';"]),
    'COMMIT;',
    '',
  ].join('\n');
}

const SNAPSHOT_RE = /^[0-9A-F]+-[0-9A-F]+-[0-9]+$/i;

function psqlArgv(database: string): string[] {
  return ['psql', ...connection, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', database];
}

/** The first `count` lines a process writes (the snapshot's name, the table list). */
function firstLines(e: Exec, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const stdout = e.child.stdout;
    if (!stdout) return reject(new Error('no stdout'));
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const lines = text.split('\n');
      if (lines.length <= count) return;
      stdout.off('data', onData);
      stdout.resume();
      resolve(lines.slice(0, count).map((l) => l.trim()));
    };
    stdout.on('data', onData);
    e.done.then(
      () => reject(new CodedError(ErrorCode.BACKUP_FAILED, 'The snapshot session ended early.')),
      reject,
    );
  });
}

/**
 * A plain-format dump of a whole database (default `postgres`, every schema) with CREATE
 * DATABASE, that psql restores like a single `pg_dump --create`, but with each keyed table's rows
 * in key order. pg_dump copies rows in heap order, and Postgres writes an updated row's new
 * version into free space anywhere in the table, so a few updated rows used to move bytes in
 * nearly every restic chunk; in key order an update changes only the chunks holding those rows.
 *
 * One consistent snapshot for all of it: a session exports a REPEATABLE READ snapshot and stays
 * open while pg_dump (pre-data with --create; data of the key-less tables, sequences and
 * extension config tables; post-data) and one psql copier session (`COPY (SELECT … ORDER BY key)`
 * per keyed table, framed by the same `COPY … FROM stdin;` and `\.` lines as pg_dump's) import
 * it; the session lists the keyed tables in that snapshot too. All processes, also those of the
 * next database, are started at once (docker exec's start-up overlaps) and read one after the
 * other; the ones waiting block on their full pipe, so nothing is buffered beyond a pipe's worth.
 * Everything goes through docker exec argv or psql's stdin with server-quoted names: no shell.
 *
 * `restrictKey`: the psql `\restrict` key each pg_dump part opens and closes with. pg_dump (15.14
 * and later) makes a random one per run otherwise, which changes restic chunks every time.
 * `databases`: which databases of the same Postgres, one whole dump after the other (default
 * `postgres`; the service database after it, a drill's scratch copy alone). Each has its own
 * snapshot: one transaction cannot span two databases.
 */
export function dumpDatabase(
  target: DbTarget,
  options: { restrictKey?: string; databases?: string[] } = {},
): DumpRun {
  const databases = options.databases ?? [DATABASE];
  const dumped: DumpPart[] = [];
  const restrict = options.restrictKey ? [`--restrict-key=${options.restrictKey}`] : [];
  const running: Exec[] = [];
  let aborted = false;
  const start = (
    argv: string[],
    step: string,
    opts: { stdin?: boolean; collect?: boolean; output?: boolean } = {},
  ): Exec => {
    if (aborted) throw new CodedError(ErrorCode.BACKUP_FAILED, 'The dump was stopped.');
    const e = exec(target, argv, {
      collect: opts.collect ?? false,
      stdin: opts.stdin,
      step,
      code: ErrorCode.BACKUP_FAILED,
    });
    // A listener from the start: Node drops the unread output of a child that exits before
    // anyone listens, and the parts started ahead may finish before their turn to be read.
    // ('readable' reads only up to the stream's high-water mark, then the pipe holds the rest.)
    if (opts.output) e.child.stdout?.on('readable', () => undefined);
    running.push(e);
    return e;
  };
  const stopAll = () => {
    for (const e of running) if (e.child.exitCode === null) e.child.kill('SIGTERM');
  };

  async function* parts(): AsyncGenerator<Buffer> {
    // every database's processes start now (their start-up overlaps), each is read in turn
    const prepared = databases.map((database) => ({ database, ready: prepare(database) }));
    for (const { database, ready } of prepared) {
      const { pieces, holder } = await ready;
      let bytes = 0;
      try {
        for (const piece of pieces) {
          const stdout = piece.child.stdout;
          if (!stdout) throw new Error('no stdout');
          for await (const chunk of stdout) {
            bytes += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
          await piece.done;
        }
        holder.child.stdin?.end('COMMIT;\n');
        await holder.done;
      } catch (error) {
        stopAll();
        throw error;
      }
      dumped.push({ database, bytes });
    }
  }

  /** Exports one database's snapshot and starts the processes that dump it, in their order. */
  function prepare(database: string): Promise<{ pieces: Exec[]; holder: Exec }> {
    const ready = (async () => {
      const holder = start(psqlArgv(database), 'snapshot session', { stdin: true });
      holder.child.stdin?.on('error', () => undefined);
      // the snapshot's name, then (in that very snapshot) the keyed tables as one line of JSON
      holder.child.stdin?.write(
        'SET idle_in_transaction_session_timeout = 0;\nSET statement_timeout = 0;\n' +
          'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\nSELECT pg_export_snapshot();\n' +
          `${KEYED_TABLES_SQL}\n`,
      );
      const [snapshot = '', json = '[]'] = await firstLines(holder, 2);
      if (!SNAPSHOT_RE.test(snapshot)) {
        throw new CodedError(ErrorCode.BACKUP_FAILED, `Unexpected snapshot name "${snapshot}".`);
      }
      const tables = JSON.parse(json) as KeyedTable[];
      const pgDump = (section: string, extra: string[]) =>
        start(
          [
            'pg_dump',
            ...connection,
            '--no-password',
            `--snapshot=${snapshot}`,
            `--section=${section}`,
            ...restrict,
            ...extra,
            database,
          ],
          `pg_dump --section=${section}`,
          { output: true },
        );
      const preData = pgDump('pre-data', ['--create']);
      const data = pgDump(
        'data',
        tables.map((t) => `--exclude-table-data=${exactTablePattern(t.schema, t.name)}`),
      );
      const copier = start(psqlArgv(database), 'copying the tables in key order', {
        stdin: true,
        output: true,
      });
      copier.child.stdin?.on('error', () => undefined);
      copier.child.stdin?.end(copierScript(snapshot, tables));
      const postData = pgDump('post-data', []);
      return { pieces: [preData, data, copier, postData], holder };
    })();
    ready.catch(() => stopAll());
    return ready;
  }

  const stream = Readable.from(parts(), { objectMode: false });
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
    stream.on('close', () => {
      if (stream.readableEnded) return;
      stopAll(); // the parts started ahead would wait on their full pipes for ever
      reject(new CodedError(ErrorCode.BACKUP_FAILED, 'The dump was stopped.'));
    });
  });
  done.catch(() => undefined);
  return {
    stream,
    parts: dumped,
    done,
    abort() {
      aborted = true;
      stopAll();
      stream.destroy(new CodedError(ErrorCode.BACKUP_FAILED, 'The dump was stopped.'));
    },
  };
}

/** Whether the container's pg_dump takes `--restrict-key` (older ones print no `\restrict`). */
export async function pgDumpTakesRestrictKey(target: DbTarget): Promise<boolean> {
  const help = await exec(target, ['pg_dump', '--help'], {
    step: 'pg_dump --help',
    code: ErrorCode.BACKUP_FAILED,
  }).done.catch(() => '');
  return help.includes('--restrict-key');
}

/** Whether the Postgres has this database (the service database is missing in older stacks). */
export async function hasDatabase(target: DbTarget, database: string): Promise<boolean> {
  const rows = await query(
    target,
    `SELECT count(*) FROM pg_database WHERE datname = ${quoteLiteral(database)}`,
  );
  return rows[0] === '1';
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Every role with its attributes and password hash (what the database's grants refer to). */
export function dumpRoles(target: DbTarget): Promise<string> {
  return exec(target, ['pg_dumpall', ...connection, '--roles-only', '--no-password'], {
    step: 'pg_dumpall --roles-only',
    code: ErrorCode.BACKUP_FAILED,
  }).done;
}

/** Runs SQL through psql in the container; `stopOnError` false lets "already exists" pass. */
export function psql(
  target: DbTarget,
  database: string,
  options: { stopOnError: boolean; sql?: string; code?: ErrorCode },
): Exec {
  const e = exec(
    target,
    [
      'psql',
      ...connection,
      '-X',
      '-q',
      '-d',
      database,
      '-v',
      `ON_ERROR_STOP=${options.stopOnError ? 1 : 0}`,
      ...(options.sql === undefined ? [] : ['-At', '-c', options.sql]),
    ],
    {
      stdin: options.sql === undefined,
      step: 'psql',
      code: options.code ?? ErrorCode.RESTORE_FAILED,
    },
  );
  return e;
}

/** One query's rows, `|`-separated columns (psql -At). */
export async function query(target: DbTarget, sql: string, database = DATABASE): Promise<string[]> {
  const out = await psql(target, database, { stopOnError: true, sql }).done;
  return out.split('\n').filter((l) => l.length > 0);
}
