import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { BackupManifest, BackupProgress } from '@protocol/backups';
import { ROLES_WITH_INSTANCE_PASSWORD } from '../stack/volumes/db';
import { Transform, type TransformCallback } from 'node:stream';
import { DATABASE, SERVICE_DATABASE, psql, type DbTarget } from './database';
import type { ResticTarget } from './destinations';
import { DumpAnalyzer } from './dump-analyzer';
import { checksumTree, treeDifference } from './file-tree';
import { DB_FILE, PROJECT_FOLDERS, SECRETS_COPY, SETTINGS_FILE, sha256Of } from './backup-job';
import type { SettingValue } from '@protocol/types';
import type { Restic } from './restic';

export interface RestoreDeps {
  restic: Restic;
  progress(p: Omit<BackupProgress, 'jobId' | 'instanceId' | 'job' | 'at'>): void;
}

/** A backup read back from a repository and checked against its manifest; nothing live touched. */
export interface VerifiedBackup {
  manifest: BackupManifest;
  target: ResticTarget;
  dbSnapshot: string;
  /** Holds `data/storage`, `data/functions`, `data/meta` as restic restored them. */
  staging: string;
  roles: string;
  /** The project's settings record as it was (absent: a backup older than settings in backups). */
  settings?: Record<string, SettingValue>;
}

/**
 * Reads a backup back in full before anything is changed: the database dump through a hash
 * (it must equal the manifest's), the files into a staging folder (each checksum must match).
 * A wrong password, a damaged repository or a changed byte therefore fails here, with the live
 * project untouched.
 */
export async function readBackBackup(
  deps: RestoreDeps,
  input: { manifest: BackupManifest; destinationId: string; target: ResticTarget; staging: string },
): Promise<VerifiedBackup> {
  const { manifest, target, staging } = input;
  const snaps = manifest.snapshots[input.destinationId];
  if (!snaps?.db || !snaps.files) {
    throw new CodedError(
      ErrorCode.BACKUP_NOT_FOUND,
      `Backup ${manifest.id} is not on destination "${input.destinationId}".`,
    );
  }
  deps.progress({ phase: 'verifying', backupId: manifest.id, message: 'Reading the backup back' });
  const analyzer = new DumpAnalyzer();
  const dump = deps.restic.dump(target, snaps.db, DB_FILE);
  dump.stream.pipe(analyzer);
  analyzer.resume();
  await Promise.all([dump.run.done, new Promise((resolve) => analyzer.on('end', resolve))]);
  const facts = analyzer.facts();
  if (facts.sha256 !== manifest.database.sha256 || facts.bytes !== manifest.database.bytes) {
    throw new CodedError(
      ErrorCode.BACKUP_REPOSITORY_DAMAGED,
      "The database dump read back from the repository does not match the backup's checksum. " +
        'Nothing was changed on the project.',
      { expected: manifest.database.sha256, actual: facts.sha256 },
    );
  }
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true, mode: 0o700 });
  await deps.restic.run(target, ['restore', snaps.files, '--target', '/restore'], {
    mounts: [{ host: staging, container: '/restore' }],
  });
  const restored = path.join(staging, 'data');
  const files = (
    await Promise.all(
      PROJECT_FOLDERS.map((f) => checksumTree(restored, path.join(restored, path.basename(f)))),
    )
  ).flat();
  const expected = manifest.files.entries.map((e) => ({
    ...e,
    path: e.path.replace(/^volumes\//, ''),
  }));
  const problem = treeDifference(expected, files);
  if (problem) {
    throw new CodedError(
      ErrorCode.BACKUP_REPOSITORY_DAMAGED,
      `The files read back from the repository do not match the backup (${problem}). ` +
        'Nothing was changed on the project.',
    );
  }
  const roles = await fs.readFile(path.join(restored, 'meta', 'roles.sql'), 'utf8');
  const settingsText = manifest.settings
    ? await checkedMeta(restored, SETTINGS_FILE, manifest.settings)
    : undefined;
  // The secrets copy is checked like every other byte, but nothing puts it back: a restored or
  // cloned project keeps the secrets it has (see settings-restore.ts).
  if (manifest.secrets) await checkedMeta(restored, SECRETS_COPY, manifest.secrets);
  return {
    manifest,
    target,
    dbSnapshot: snaps.db,
    staging,
    roles,
    ...(settingsText !== undefined
      ? { settings: JSON.parse(settingsText) as Record<string, SettingValue> }
      : {}),
  };
}

async function checkedMeta(
  restored: string,
  name: string,
  expected: { bytes: number; sha256: string },
): Promise<string> {
  const data = await fs.readFile(path.join(restored, 'meta', name)).catch(() => undefined);
  const actual = data ? sha256Of(data) : undefined;
  if (!data || actual?.sha256 !== expected.sha256 || actual.bytes !== expected.bytes) {
    throw new CodedError(
      ErrorCode.BACKUP_REPOSITORY_DAMAGED,
      `The project's ${name} read back from the repository does not match the backup. ` +
        'Nothing was changed on the project.',
    );
  }
  return data.toString('utf8');
}

export interface ApplyInput {
  backup: VerifiedBackup;
  db: DbTarget;
  projectDir: string;
  /**
   * A clone: the roles keep the target project's own password (its services log in with it),
   * not the source's.
   */
  keepRolePasswords: boolean;
  /** Only the roles and the database, the files stay (an upgrade's rollback: files never moved). */
  databaseOnly?: boolean;
  /**
   * Whether the service database `_supabase` (analytics and pooler state) is replaced too when
   * the backup holds it. Default: yes in place, no for a clone (`keepRolePasswords`): that state
   * belongs to the project it runs in (the pooler's tenant is sealed with that project's keys).
   */
  serviceDatabase?: boolean;
}

/** The part of a backup's dump stream to load: everything, or only `postgres` (the first part). */
export function loadPlan(
  manifest: BackupManifest,
  withServiceDatabase: boolean,
): { drop: string[]; bytes: number } {
  const parts = manifest.database.parts ?? [{ database: DATABASE, bytes: manifest.database.bytes }];
  const first = parts[0] ?? { database: DATABASE, bytes: manifest.database.bytes };
  if (withServiceDatabase && parts.length > 1) {
    return { drop: parts.map((p) => p.database), bytes: manifest.database.bytes };
  }
  return { drop: [first.database], bytes: first.bytes };
}

/** Passes the first `limit` bytes of a stream and drops the rest (reading it to the end). */
export class LeadingBytes extends Transform {
  private left: number;

  constructor(limit: number) {
    super();
    this.left = limit;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.left <= 0) return done();
    const take = chunk.length <= this.left ? chunk : chunk.subarray(0, this.left);
    this.left -= take.length;
    done(null, take);
  }
}

/**
 * Replaces the project's database and files with a verified backup. The caller has stopped
 * every service but `db` (nothing may write meanwhile) and starts them again after.
 */
export async function applyBackup(deps: RestoreDeps, input: ApplyInput): Promise<void> {
  const { backup, db } = input;
  const id = backup.manifest.id;
  deps.progress({ phase: 'restoring-database', backupId: id, message: 'Restoring roles' });
  const roles = psql(db, 'template1', { stopOnError: false });
  roles.child.stdin?.end(backup.roles);
  await roles.done;
  if (input.keepRolePasswords) await resetRolePasswords(db);

  deps.progress({ phase: 'restoring-database', backupId: id, message: 'Restoring the database' });
  const plan = loadPlan(backup.manifest, input.serviceDatabase ?? !input.keepRolePasswords);
  for (const database of plan.drop) {
    if (database !== DATABASE && database !== SERVICE_DATABASE) continue; // only names we wrote
    await psql(db, 'template1', {
      stopOnError: true,
      sql: `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`,
    }).done;
  }
  const load = psql(db, 'template1', { stopOnError: true });
  const dump = deps.restic.dump(backup.target, backup.dbSnapshot, DB_FILE);
  const analyzer = new DumpAnalyzer();
  const stdin = load.child.stdin;
  if (!stdin) throw new Error('psql has no stdin');
  stdin.on('error', () => undefined);
  let lastReport = 0;
  analyzer.on('data', () => {
    if (Date.now() - lastReport < 500) return;
    lastReport = Date.now();
    deps.progress({
      phase: 'restoring-database',
      backupId: id,
      bytes: analyzer.bytesSoFar,
      percent: Math.min(99, Math.round((analyzer.bytesSoFar / plan.bytes) * 100)),
    });
  });
  dump.stream.pipe(new LeadingBytes(plan.bytes)).pipe(analyzer).pipe(stdin);
  try {
    await Promise.all([dump.run.done, load.done]);
  } catch (error) {
    dump.run.abort();
    load.child.kill('SIGTERM');
    throw error;
  }

  if (input.databaseOnly) return;
  deps.progress({ phase: 'restoring-files', backupId: id, message: 'Restoring Storage files' });
  for (const folder of PROJECT_FOLDERS) {
    const live = path.join(input.projectDir, folder);
    const restored = path.join(backup.staging, 'data', path.basename(folder));
    const previous = path.join(backup.staging, `previous-${path.basename(folder)}`);
    await fs.rm(previous, { recursive: true, force: true });
    await fs.rename(live, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await fs.mkdir(path.dirname(live), { recursive: true });
    await fs.rename(restored, live).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      await fs.mkdir(live, { recursive: true });
    });
  }
}

/** Sets the target project's password again on the roles its services log in with. */
async function resetRolePasswords(db: DbTarget): Promise<void> {
  const sql = [
    '\\set pgpass `echo "$PGPASSWORD"`',
    ...[...ROLES_WITH_INSTANCE_PASSWORD, 'postgres'].map(
      (role) => `ALTER ROLE ${role} WITH PASSWORD :'pgpass';`,
    ),
  ].join('\n');
  const e = psql(db, 'template1', { stopOnError: false });
  e.child.stdin?.end(`${sql}\n`);
  await e.done;
}
