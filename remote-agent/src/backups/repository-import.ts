import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CodedError } from '@common/coded-error';
import { writeFileAtomic } from '@common/atomic-write';
import { ErrorCode } from '@protocol/error-codes';
import type { BackupManifest } from '@protocol/backups';
import { META_IN_SNAPSHOT } from './backup-job';
import { DestinationStore, type DestinationInput, type ResticTarget } from './destinations';
import { Restic } from './restic';

/**
 * Another server's repository, opened on this one: where it is (an SFTP or S3 destination, with
 * its credentials) and that server's repository password (from the desktop's keychain). This is
 * how a backup outlives its server: a new server reads it with the old server's password.
 */
export interface RepositorySource {
  destination: DestinationInput;
  password: string;
}

/** One whole backup found in a repository: both of its snapshots (database and files). */
export interface FoundBackup {
  id: string;
  instanceId: string;
  kind: string;
  startedAt: string;
  db: string;
  files: string;
}

const snapshotList = z.array(
  z.object({
    id: z.string(),
    time: z.string(),
    hostname: z.string(),
    tags: z.array(z.string()).optional(),
  }),
);

/**
 * The backups in `restic snapshots --json` output, newest first. Only backups whose two parts
 * are both there count (a backup interrupted between its database and its files is not whole).
 */
export function backupsInSnapshots(json: string): FoundBackup[] {
  const parsed = snapshotList.safeParse(JSON.parse(json || '[]'));
  if (!parsed.success) {
    throw new CodedError(
      ErrorCode.BACKUP_FAILED,
      'restic listed the snapshots in an unknown form.',
    );
  }
  const byId = new Map<string, Partial<FoundBackup>>();
  for (const snap of parsed.data) {
    const tag = (prefix: string) =>
      snap.tags?.find((t) => t.startsWith(prefix))?.slice(prefix.length);
    const id = tag('ub-backup:');
    const part = tag('ub-part:');
    if (!id || (part !== 'db' && part !== 'files')) continue;
    const found = byId.get(id) ?? { id, instanceId: snap.hostname, kind: tag('ub-kind:') ?? '' };
    found[part] = snap.id;
    // The database part is taken first: its time is when the backup started.
    if (part === 'db' || !found.startedAt) found.startedAt = snap.time;
    byId.set(id, found);
  }
  return [...byId.values()]
    .filter((b): b is FoundBackup => Boolean(b.db && b.files))
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** Which backup of a repository to take: an id, else the newest (not a safety one) of a project. */
export function chooseBackup(
  found: FoundBackup[],
  pick: { instanceId?: string; backupId?: string },
): FoundBackup {
  const candidates = found.filter(
    (b) => pick.instanceId === undefined || b.instanceId === pick.instanceId,
  );
  const chosen = pick.backupId
    ? candidates.find((b) => b.id === pick.backupId)
    : candidates.find((b) => b.kind !== 'safety');
  if (!chosen) {
    throw new CodedError(
      ErrorCode.BACKUP_NOT_FOUND,
      pick.backupId
        ? `There is no backup "${pick.backupId}" in that repository.`
        : 'That repository holds no backup of this project.',
      { ...pick },
    );
  }
  return chosen;
}

/**
 * A foreign repository opened in a scratch folder of the agent's 0700 data folder: the password
 * and the destination's credentials live there in 0600 files only while a job needs them, and
 * `close` removes them.
 */
export interface OpenedRepository {
  restic: Restic;
  target: ResticTarget;
  destinationId: string;
  close(): Promise<void>;
}

export async function openRepository(
  dir: string,
  restic: { image: string; owner?: string },
  source: RepositorySource,
): Promise<OpenedRepository> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const close = () => fs.rm(dir, { recursive: true, force: true });
  try {
    const passwordFile = path.join(dir, 'password');
    await writeFileAtomic(passwordFile, source.password);
    const store = new DestinationStore(dir);
    const destination = await store.add(source.destination);
    const cacheDir = path.join(dir, 'cache');
    await fs.mkdir(cacheDir, { mode: 0o700 });
    return {
      restic: new Restic({ ...restic, passwordFile, cacheDir }),
      target: await store.target(destination),
      destinationId: destination.id,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Lists the repository's backups (optionally of one project); wrong password etc. throw coded. */
export async function listBackups(
  repo: OpenedRepository,
  instanceId?: string,
): Promise<FoundBackup[]> {
  const out = await repo.restic.run(repo.target, [
    'snapshots',
    '--json',
    '--tag',
    'ub',
    ...(instanceId ? ['--host', instanceId] : []),
  ]);
  return backupsInSnapshots(out);
}

/** The manifest a backup carries in its files snapshot, pointed at this repository's snapshots. */
export async function readManifest(
  repo: OpenedRepository,
  backup: FoundBackup,
): Promise<BackupManifest> {
  const text = await repo.restic.run(repo.target, [
    'dump',
    backup.files,
    `${META_IN_SNAPSHOT}/manifest.json`,
  ]);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    manifest = {} as BackupManifest;
  }
  if (manifest.format !== 1 || manifest.id !== backup.id || !manifest.database?.sha256) {
    throw new CodedError(
      ErrorCode.BACKUP_REPOSITORY_DAMAGED,
      `The manifest of backup ${backup.id} in that repository is missing or not readable.`,
    );
  }
  return {
    ...manifest,
    snapshots: { [repo.destinationId]: { db: backup.db, files: backup.files } },
  };
}
