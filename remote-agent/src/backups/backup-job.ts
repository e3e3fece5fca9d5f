import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CodedError } from '@common/coded-error';
import { writeFileAtomic } from '@common/atomic-write';
import { ErrorCode } from '@protocol/error-codes';
import type { BackupKind, BackupManifest, BackupProgress } from '@protocol/backups';
import type { Instance } from '@protocol/types';
import {
  DATABASE,
  SERVICE_DATABASE,
  dumpDatabase,
  dumpRoles,
  hasDatabase,
  pgDumpTakesRestrictKey,
  type DbTarget,
} from './database';
import type { Destination, ResticTarget } from './destinations';
import { DumpAnalyzer } from './dump-analyzer';
import { checksumTree } from './file-tree';
import { SECRETS_FILE } from '../instances/files';
import type { Restic, ResticRun } from './restic';

/** Folders of a project's own directory that a backup holds besides the database. */
export const PROJECT_FOLDERS = ['volumes/storage', 'volumes/functions'] as const;
export const DB_FILE = '/db.sql';
export const META_IN_SNAPSHOT = '/data/meta';
/** In the snapshot's `meta/`: the project's settings record as stored, and its secrets file. */
export const SETTINGS_FILE = 'settings.json';
export const SECRETS_COPY = 'secrets.json';

export function sha256Of(data: string | Buffer): { bytes: number; sha256: string } {
  return {
    bytes: Buffer.byteLength(data),
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}

export interface BackupJobDeps {
  restic: Restic;
  /** Scratch space inside the agent's 0700 data folder (never the dump: that is streamed). */
  workDir: string;
  agentVersion: string;
  now(): Date;
  progress(p: Omit<BackupProgress, 'jobId' | 'instanceId' | 'job' | 'at'>): void;
}

export interface BackupJobInput {
  instance: Instance;
  projectDir: string;
  db: DbTarget;
  kind: BackupKind;
  destinations: { destination: Destination; target: ResticTarget }[];
  /**
   * A stable psql `\restrict` key for this project's dumps (letters and digits), so that
   * backups of an unchanged database are the same bytes and deduplicate whole.
   */
  restrictKey?: string;
}

export interface BackupResult {
  manifest: BackupManifest;
  added: Record<string, number>;
}

export function newBackupId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `b${stamp}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/**
 * One backup of one project to every destination: the database first (`postgres` in one
 * snapshot with its tables in key order, then the service database `_supabase` when the stack
 * has it, streamed from the db container through a hash into restic's stdin: no copy on disk),
 * then the project's files with the roles and the manifest. restic's stdin is closed only when
 * every dump process has exited 0, so a failed dump never becomes a snapshot.
 */
export async function runBackup(deps: BackupJobDeps, input: BackupJobInput): Promise<BackupResult> {
  const { instance } = input;
  const started = deps.now();
  const id = newBackupId(started);
  const tags = (part: string) => [
    '--tag',
    `ub,ub-backup:${id},ub-part:${part},ub-kind:${input.kind}`,
  ];
  const host = ['--host', instance.id];

  deps.progress({ phase: 'preparing', backupId: id, message: 'Opening the repositories' });
  for (const { target } of input.destinations) await deps.restic.ensureRepository(target);
  const [roles, withServiceDatabase] = await Promise.all([
    dumpRoles(input.db),
    hasDatabase(input.db, SERVICE_DATABASE),
  ]);

  deps.progress({ phase: 'database', backupId: id, bytes: 0, message: 'Dumping the database' });
  const dbStarted = Date.now();
  const added: Record<string, number> = {};
  const dbSnapshots: Record<string, string> = {};
  const analyzer = new DumpAnalyzer();
  const runs = input.destinations.map(({ destination, target }) => ({
    destination,
    run: deps.restic.start(
      target,
      ['backup', '--json', '--stdin', '--stdin-filename', 'db.sql', ...host, ...tags('db')],
      { stdin: 'pipe' },
    ),
  }));
  const restrictKey =
    input.restrictKey && (await pgDumpTakesRestrictKey(input.db)) ? input.restrictKey : undefined;
  // `postgres`, then the kit's service database right after it (its own snapshot), one stream
  const dump = dumpDatabase(input.db, {
    restrictKey,
    databases: withServiceDatabase ? [DATABASE, SERVICE_DATABASE] : [DATABASE],
  });
  let lastReport = 0;
  analyzer.on('data', () => {
    if (Date.now() - lastReport < 500) return;
    lastReport = Date.now();
    deps.progress({ phase: 'database', backupId: id, bytes: analyzer.bytesSoFar });
  });
  try {
    dump.stream.pipe(analyzer);
    await Promise.all([
      fanOut(
        analyzer,
        runs.map((r) => r.run),
      ),
      dump.done,
    ]);
  } catch (error) {
    for (const { run } of runs) run.abort();
    dump.abort();
    throw error;
  }
  for (const { run } of runs) run.child.stdin?.end();
  for (const { destination, run } of runs) {
    const summary = summaryOf(await run.done);
    dbSnapshots[destination.id] = summary.snapshotId;
    added[destination.id] = summary.dataAdded;
  }
  const database = {
    file: 'db.sql' as const,
    ...analyzer.facts(),
    durationMs: Date.now() - dbStarted,
    parts: dump.parts,
  };

  deps.progress({
    phase: 'files',
    backupId: id,
    message: 'Backing up Storage files and functions',
  });
  const filesStarted = Date.now();
  const entries = (
    await Promise.all(
      PROJECT_FOLDERS.map((f) => checksumTree(input.projectDir, path.join(input.projectDir, f))),
    )
  ).flat();
  const meta = path.join(deps.workDir, `meta-${id}`);
  await fs.mkdir(meta, { recursive: true, mode: 0o700 });
  // Settings and secrets as stored: the secrets file is copied byte for byte (a project without
  // one, e.g. in a test, simply has none in its backup).
  const settingsText = JSON.stringify(instance.settings ?? {});
  const secretsBytes = await fs
    .readFile(path.join(input.projectDir, SECRETS_FILE))
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  const manifest: BackupManifest = {
    format: 1,
    id,
    kind: input.kind,
    instanceId: instance.id,
    instanceName: instance.name,
    agentVersion: deps.agentVersion,
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    database,
    roles: {
      bytes: Buffer.byteLength(roles),
      sha256: createHash('sha256').update(roles).digest('hex'),
    },
    files: {
      count: entries.length,
      bytes: entries.reduce((n, e) => n + e.bytes, 0),
      durationMs: 0,
      entries,
    },
    snapshots: Object.fromEntries(
      Object.entries(dbSnapshots).map(([dest, db]) => [dest, { db, files: '' }]),
    ),
    ...(instance.release ? { stackRelease: instance.release } : {}),
    settings: sha256Of(settingsText),
    ...(secretsBytes ? { secrets: sha256Of(secretsBytes) } : {}),
  };
  try {
    await writeFileAtomic(path.join(meta, 'roles.sql'), roles);
    await writeFileAtomic(path.join(meta, 'manifest.json'), JSON.stringify(manifest));
    await writeFileAtomic(path.join(meta, 'instance.json'), JSON.stringify(instance));
    await writeFileAtomic(path.join(meta, SETTINGS_FILE), settingsText);
    if (secretsBytes) await writeFileAtomic(path.join(meta, SECRETS_COPY), secretsBytes, 0o600);
    const mounts = [
      ...PROJECT_FOLDERS.map((f) => ({
        host: path.join(input.projectDir, f),
        container: `/data/${path.basename(f)}`,
        readOnly: true,
      })),
      { host: meta, container: META_IN_SNAPSHOT, readOnly: true },
    ];
    for (const f of PROJECT_FOLDERS)
      await fs.mkdir(path.join(input.projectDir, f), { recursive: true });
    for (const { destination, target } of input.destinations) {
      const out = await deps.restic.run(
        target,
        ['backup', '--json', ...host, ...tags('files'), '/data'],
        {
          mounts,
        },
      );
      const summary = summaryOf(out);
      const snap = manifest.snapshots[destination.id];
      if (snap) snap.files = summary.snapshotId;
      added[destination.id] = (added[destination.id] ?? 0) + summary.dataAdded;
    }
  } finally {
    await fs.rm(meta, { recursive: true, force: true });
  }
  manifest.files.durationMs = Date.now() - filesStarted;
  manifest.finishedAt = deps.now().toISOString();
  return { manifest, added };
}

/** Writes the stream to every restic at the pace of the slowest; fails when any of them does. */
async function fanOut(source: Readable, runs: ResticRun[]): Promise<void> {
  const sinks = runs.map((r) => {
    const stdin = r.child.stdin as Writable;
    stdin.on('error', () => undefined);
    return stdin;
  });
  // A restic that exits before its input ended has failed (its done says why).
  const failed = Promise.race(
    runs.map((r) =>
      r.done.then(() => {
        throw new CodedError(ErrorCode.BACKUP_FAILED, 'restic stopped before the dump ended.');
      }),
    ),
  );
  failed.catch(() => undefined);
  for await (const chunk of source) {
    const waits = sinks.map((s) => (s.write(chunk) ? undefined : once(s, 'drain'))).filter(Boolean);
    if (waits.length > 0) await Promise.race([Promise.all(waits), failed]);
  }
}

interface ResticSummary {
  snapshotId: string;
  dataAdded: number;
}

function summaryOf(stdout: string): ResticSummary {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const m = JSON.parse(line) as {
        message_type?: string;
        snapshot_id?: string;
        data_added?: number;
      };
      if (m.message_type === 'summary' && m.snapshot_id) {
        return { snapshotId: m.snapshot_id, dataAdded: m.data_added ?? 0 };
      }
    } catch {
      // not JSON after all
    }
  }
  throw new CodedError(ErrorCode.BACKUP_FAILED, 'restic finished without naming its snapshot.');
}
