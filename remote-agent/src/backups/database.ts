import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
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

/**
 * A plain-format dump of the whole `postgres` database (every schema), with CREATE DATABASE.
 * `restrictKey`: the psql `\restrict` key the dump opens and closes with. pg_dump (15.14 and
 * later) makes a random one per dump otherwise, which changes the dump's first and last restic
 * chunks every time: about 2.3 MB more per backup even of an unchanged database.
 * `database`: another database of the same Postgres (a restore drill's scratch copy).
 */
export function dumpDatabase(
  target: DbTarget,
  options: { restrictKey?: string; database?: string } = {},
): { stream: Readable; exec: Exec } {
  const restrict = options.restrictKey ? [`--restrict-key=${options.restrictKey}`] : [];
  const database = options.database ?? DATABASE;
  const argv = ['pg_dump', ...connection, '--create', '--no-password', ...restrict, database];
  const e = exec(target, argv, {
    collect: false,
    step: 'pg_dump',
    code: ErrorCode.BACKUP_FAILED,
  });
  if (!e.child.stdout) throw new Error('pg_dump has no stdout');
  return { stream: e.child.stdout, exec: e };
}

/** Whether the container's pg_dump takes `--restrict-key` (older ones print no `\restrict`). */
export async function pgDumpTakesRestrictKey(target: DbTarget): Promise<boolean> {
  const help = await exec(target, ['pg_dump', '--help'], {
    step: 'pg_dump --help',
    code: ErrorCode.BACKUP_FAILED,
  }).done.catch(() => '');
  return help.includes('--restrict-key');
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
