import { createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AgentError, CodedError, asCodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type {
  BackupDestinationPublic,
  BackupJobKind,
  BackupKind,
  BackupDrillResult,
  BackupManifest,
  BackupProgress,
  BackupStatus,
  BackupSummary,
} from '@protocol/backups';
import type { AgentEvent, Instance, SettingValue } from '@protocol/types';
import type { BackupDownloadPart, ProjectBackupSummary } from '@protocol/backup-transfer';
import type { Compose } from '../docker/compose';
import type { InstanceLocks } from '../instances/state';
import { checkOperation } from '../instances/state';
import { DB_FILE, META_IN_SNAPSHOT, runBackup, type BackupResult } from './backup-job';
import { BackupIndex, summarize, type IndexEntry } from './backup-index';
import type { DbTarget } from './database';
import {
  DestinationStore,
  LOCAL_DESTINATION_ID,
  type Destination,
  type DestinationInput,
} from './destinations';
import { JobQueue, type QueuedJob } from './job-queue';
import { applyBackup, readBackBackup, type VerifiedBackup } from './restore-job';
import { drillDatabase } from './drill';
import { Restic, RESTIC_IMAGE } from './restic';
import {
  chooseBackup,
  listBackups,
  openRepository,
  readManifest,
  type FoundBackup,
  type RepositorySource,
} from './repository-import';
import { RepositoryPassword } from './repository-password';
import { dbContainer, startAll, stopAllButDb } from './project-stack';
import { backupsToKeep, type RetentionPolicy } from './retention';
import type { BackupSchedule } from './schedule';
import type { OperationJournal, OperationRecord } from '../operations/journal';
import type { RecoveryResult } from '../operations/recovery';
import { removeResticContainers } from '../operations/restic-containers';
import { ScheduleStore, type StoredSchedule } from './schedule-store';
import {
  cloneSettingsChanges,
  restoreSettingsChanges,
  type SettingChanges,
} from './settings-restore';

export interface BackupServiceDeps {
  dataDir: string;
  /** Config `images` (an override for `restic/restic` points at a mirror or a stand-in). */
  images: Record<string, string>;
  agentVersion: string;
  getInstance(id: string): Instance | undefined;
  instanceDir(id: string): string;
  postgresPassword(id: string): Promise<string>;
  compose(): Promise<Compose>;
  locks: InstanceLocks;
  emit(event: AgentEvent): void;
  now(): Date;
  /** Refuses a backup before it writes anything when the data directory's disk is low (disk/). */
  checkDisk?(): Promise<void>;
  /** Refuses a restore or a clone up front when the disk cannot hold the backup (disk/needs.ts). */
  checkRestoreDisk?(backupBytes: number): Promise<void>;
  /** Registers a secret that arrived with a request (another server's password) with the log guard. */
  redact?(secret: string): void;
  /** Durable step record of backups and restores (operations/journal.ts). */
  journal?: OperationJournal;
  /**
   * Keeps a project's drill outcome on the instance (registry.update): a failed drill shows the
   * project "needs attention" until a later one passes, whatever its health says.
   */
  setBackupStatus?(instanceId: string, status: BackupStatus): Promise<void>;
  /**
   * Applies settings through the same path a person's change takes (validation, rendering, the
   * smallest restart), after a restore or clone released the project's lock.
   */
  applySettings?(instanceId: string, changes: SettingChanges): Promise<void>;
}

interface Job extends QueuedJob {
  kind: BackupJobKind;
}

export interface JobRecord {
  instanceId: string;
  /** What the job does (the server-wide view looks for failed backups). */
  kind?: BackupJobKind;
  events: BackupProgress[];
  finished: boolean;
  backupId?: string;
  error?: { code: string; message: string };
}

const MAX_JOBS_KEPT = 200;
/** A download's manifest goes out in pieces that stay well under one message once in base64. */
const MANIFEST_CHUNK_BYTES = 192 * 1024;
const MAX_EVENTS_PER_JOB = 500;

export interface JobHandle<T> {
  jobId: string;
  queuePosition: number;
  done: Promise<T>;
}

export class BackupService {
  readonly destinations: DestinationStore;
  readonly password: RepositoryPassword;
  readonly index: BackupIndex;
  readonly schedules: ScheduleStore;
  private readonly restic: Restic;
  private readonly resticImage: string;
  private readonly backupsDir: string;
  private readonly queue: JobQueue<Job>;
  /** Recent jobs' progress, for `backups.job` (the newest MAX_JOBS_KEPT). */
  private readonly jobs = new Map<string, JobRecord>();

  constructor(private readonly deps: BackupServiceDeps) {
    this.backupsDir = path.join(deps.dataDir, 'backups');
    this.destinations = new DestinationStore(this.backupsDir);
    this.password = new RepositoryPassword(this.backupsDir);
    this.index = new BackupIndex(path.join(this.backupsDir, 'index'));
    this.schedules = new ScheduleStore(this.backupsDir);
    this.resticImage = deps.images['restic/restic'] ?? RESTIC_IMAGE;
    this.restic = new Restic({
      image: this.resticImage,
      passwordFile: this.password.file,
      cacheDir: path.join(this.backupsDir, 'cache'),
      owner: this.backupsDir,
    });
    this.queue = new JobQueue<Job>((job, position) =>
      this.progress(job, { phase: 'queued', queuePosition: position }),
    );
  }

  async listDestinations(): Promise<BackupDestinationPublic[]> {
    return this.destinations.list();
  }

  addDestination(input: DestinationInput): Promise<Destination> {
    return this.destinations.add(input);
  }

  /** Backs a project up (queued); `done` resolves with what was written. */
  backup(
    instanceId: string,
    options: { kind?: BackupKind; destinations?: string[] } = {},
  ): JobHandle<BackupResult> {
    const instance = this.mustGet(instanceId);
    checkOperation(instance, 'backup');
    return this.enqueue(instanceId, 'backup', async (job) => {
      const lease = this.deps.locks.acquire(instanceId, 'backup');
      try {
        return await this.backupNow(job, this.mustGet(instanceId), options);
      } finally {
        lease.release();
      }
    });
  }

  /**
   * A backup for a caller that already holds the project's lock (an upgrade, before it changes
   * anything): queued like every job, but the lock and the status belong to the holder, so
   * neither is taken nor checked here (doing so would refuse the holder BUSY).
   */
  backupHeld(instanceId: string, options: { kind: BackupKind }): JobHandle<BackupResult> {
    this.mustBeHeld(instanceId);
    return this.enqueue(instanceId, 'backup', (job) =>
      this.backupNow(job, this.mustGet(instanceId), { kind: options.kind }),
    );
  }

  /**
   * Puts only the roles and the database of a backup back, for a caller that holds the lock (an
   * upgrade's rollback after the new database image migrated the data). The backup is read back
   * and checked first; every service but `db` is stopped, and the caller starts them again.
   */
  restoreDatabaseHeld(
    instanceId: string,
    backupId: string,
    destination?: string,
  ): JobHandle<{ backupId: string }> {
    this.mustBeHeld(instanceId);
    return this.enqueue(instanceId, 'restore', async (job) => {
      const entry = await this.mustGetEntry(instanceId, backupId);
      const staging = this.stagingDir(job.id);
      try {
        const verified = await this.readBack(job, entry, destination, staging);
        const instance = this.mustGet(instanceId);
        const project = { name: instance.project, dir: this.deps.instanceDir(instanceId) };
        await stopAllButDb(await this.deps.compose(), project);
        await applyBackup(this.restoreDeps(job), {
          backup: verified,
          db: await this.dbTarget(instance),
          projectDir: project.dir,
          keepRolePasswords: false,
          databaseOnly: true,
        });
        this.progress(job, { phase: 'done', backupId, percent: 100 });
        return { backupId };
      } finally {
        await fs.rm(staging, { recursive: true, force: true });
      }
    });
  }

  /** The *Held methods trust their caller's lock: without one they would race other work. */
  private mustBeHeld(instanceId: string): void {
    this.mustGet(instanceId);
    if (!this.deps.locks.isBusy(instanceId)) {
      throw new AgentError(
        ErrorCode.INTERNAL,
        'A backup job for a lock holder was started without holding the project lock.',
        { id: instanceId },
      );
    }
  }

  async list(instanceId: string): Promise<BackupSummary[]> {
    this.mustGet(instanceId);
    return (await this.index.list(instanceId)).map(summarize);
  }

  /**
   * Restores a backup over the project itself, after checking that it reads back intact and
   * after a safety backup of what is there now. `confirm` must be the project's name.
   */
  restore(
    instanceId: string,
    backupId: string,
    options: { confirm: string; destination?: string },
  ): JobHandle<{ safetyBackupId: string }> {
    const instance = this.mustGet(instanceId);
    if (options.confirm !== instance.name) {
      throw new AgentError(
        ErrorCode.CONFIRMATION_MISMATCH,
        `Type the project's name ("${instance.name}") to confirm: its data will be replaced.`,
      );
    }
    checkOperation(instance, 'restore');
    return this.enqueue(instanceId, 'restore', async (job) => {
      const lease = this.deps.locks.acquire(instanceId, 'restore');
      let restored: { safetyBackupId: string; settings?: Record<string, SettingValue> };
      try {
        restored = await this.restoreNow(job, instanceId, backupId, options.destination);
      } finally {
        lease.release();
      }
      // Settings as they were in the backup; secrets stay the current ones (settings-restore.ts).
      if (restored.settings) {
        await this.applySettings(
          job,
          instanceId,
          restoreSettingsChanges(restored.settings, this.mustGet(instanceId).settings ?? {}),
        );
      }
      this.progress(job, { phase: 'done', backupId, percent: 100 });
      return { safetyBackupId: restored.safetyBackupId };
    });
  }

  /**
   * Restores a backup into another project (a clone: dev → staging → prod, or a project brought
   * back after its server is gone). The target keeps its own ports, network and secrets: the
   * roles keep the target's password, everything else is the backup's. `ready` settles when
   * the target exists and runs (a new project is still being created when this is called).
   */
  clone(
    sourceInstanceId: string,
    backupId: string,
    targetInstanceId: string,
    options: { destination?: string; ready?: Promise<unknown> } = {},
  ): JobHandle<{ instanceId: string; backupId: string }> {
    return this.enqueue(
      targetInstanceId,
      'clone',
      async (job) => {
        const entry = await this.mustGetEntry(sourceInstanceId, backupId);
        await this.deps.checkRestoreDisk?.(backupBytes(entry.manifest));
        const staging = this.stagingDir(job.id);
        try {
          return await this.restoreInto(job, targetInstanceId, () =>
            this.readBack(job, entry, options.destination, staging),
          );
        } finally {
          await fs.rm(staging, { recursive: true, force: true });
        }
      },
      options.ready,
    );
  }

  /**
   * Looks into another server's repository (an SFTP or S3 destination, opened with that server's
   * password) and names the backup a clone would take. Nothing is created or kept here: a wrong
   * password, an unreachable destination or a missing backup fail before any project exists.
   */
  async inspectRepository(
    source: RepositorySource,
    pick: { instanceId?: string; backupId?: string },
  ): Promise<FoundBackup> {
    this.guard(source);
    const repo = await openRepository(
      this.importDir(`inspect-${randomBytes(5).toString('hex')}`),
      { image: this.resticImage, owner: this.backupsDir },
      source,
    );
    try {
      return chooseBackup(await listBackups(repo, pick.instanceId), pick);
    } finally {
      await repo.close();
    }
  }

  /**
   * Restores a backup from another server's repository into a project of this server: the clone
   * onto a new server (or a project brought back after its server is gone). Like `clone`, the
   * target keeps its own ports, network and role passwords.
   */
  cloneFromRepository(
    source: RepositorySource,
    pick: { instanceId?: string; backupId?: string },
    targetInstanceId: string,
    options: { ready?: Promise<unknown> } = {},
  ): JobHandle<{ instanceId: string; backupId: string }> {
    this.guard(source);
    return this.enqueue(
      targetInstanceId,
      'clone',
      async (job) => {
        const repo = await openRepository(
          this.importDir(job.id),
          { image: this.resticImage, owner: this.backupsDir },
          source,
        );
        const staging = this.stagingDir(job.id);
        try {
          const found = chooseBackup(await listBackups(repo, pick.instanceId), pick);
          const manifest = await readManifest(repo, found);
          await this.deps.checkRestoreDisk?.(backupBytes(manifest));
          const deps = { ...this.restoreDeps(job), restic: repo.restic };
          return await this.restoreInto(
            job,
            targetInstanceId,
            () =>
              readBackBackup(deps, {
                manifest,
                destinationId: repo.destinationId,
                target: repo.target,
                staging,
              }),
            repo.restic,
          );
        } finally {
          await repo.close();
          await fs.rm(staging, { recursive: true, force: true });
        }
      },
      options.ready,
    );
  }

  /** Another server's secrets must not reach this agent's log either. */
  private guard(source: RepositorySource): void {
    const d = source.destination;
    const secrets = [
      source.password,
      d.kind === 'sftp' ? d.privateKey : d.secretAccessKey,
      d.kind === 's3' ? d.accessKeyId : undefined,
    ];
    for (const secret of secrets) if (secret) this.deps.redact?.(secret);
  }

  /**
   * Reads a backup back (`readBack`: checked before anything changes), then puts it into the
   * target project with the target's own role passwords, and starts the project again.
   */
  private async restoreInto(
    job: Job,
    targetInstanceId: string,
    readBack: () => Promise<VerifiedBackup>,
    restic: Restic = this.restic,
  ): Promise<{ instanceId: string; backupId: string }> {
    const target = this.mustGet(targetInstanceId);
    checkOperation(target, 'restore');
    const lease = this.deps.locks.acquire(targetInstanceId, 'restore');
    // Journaled like the in-place restore (no safety backup: the target's own data is what a
    // clone replaces): a restart after a kill starts the project again and says what happened.
    const op = await this.deps.journal?.begin('restore', target, 'read-back', { clone: true });
    let verified: VerifiedBackup;
    try {
      await op?.enter('read-back');
      verified = await readBack();
      const backupId = verified.manifest.id;
      const project = { name: target.project, dir: this.deps.instanceDir(target.id) };
      const compose = await this.deps.compose();
      const db = await this.dbTarget(target);
      await op?.enter('replace', { backupId });
      await stopAllButDb(compose, project);
      try {
        await applyBackup(
          { ...this.restoreDeps(job), restic },
          { backup: verified, db, projectDir: project.dir, keepRolePasswords: true },
        );
      } finally {
        await op?.enter('start');
        this.progress(job, { phase: 'starting', message: 'Starting the project' });
        await startAll(compose, project);
      }
    } finally {
      await op?.end();
      lease.release();
    }
    // The source's settings but the target's deployment ones and its own secrets.
    if (verified.settings) {
      await this.applySettings(
        job,
        target.id,
        cloneSettingsChanges(verified.settings, this.mustGet(target.id).settings ?? {}),
      );
    }
    const backupId = verified.manifest.id;
    this.progress(job, { phase: 'done', backupId, percent: 100 });
    return { instanceId: target.id, backupId };
  }

  private async applySettings(
    job: Job,
    instanceId: string,
    changes: SettingChanges,
  ): Promise<void> {
    if (!this.deps.applySettings || Object.keys(changes).length === 0) return;
    this.progress(job, { phase: 'starting', message: "Applying the backup's settings" });
    try {
      await this.deps.applySettings(instanceId, changes);
    } catch (error) {
      // The apply rolled its own change back; the data and files stay restored: say both.
      const coded = asCodedError(error);
      throw new CodedError(
        coded?.code ?? ErrorCode.INTERNAL,
        "The data and files were restored, but the backup's settings could not be applied " +
          `(the project keeps its settings from before): ${coded?.message ?? String(error)}`,
        { ...coded?.data, dataRestored: true },
      );
    }
  }

  /**
   * A restore drill: reads the whole backup back and checks it, then (when the project's
   * database runs) loads it into a throwaway database there and compares every table's rows
   * with the manifest. A stopped project gets the read-back check only.
   */
  verify(
    instanceId: string,
    backupId: string,
    destination?: string,
  ): JobHandle<{ verifiedAt: string }> {
    this.mustGet(instanceId);
    return this.enqueue(instanceId, 'verify', async (job) => {
      try {
        const entry = await this.mustGetEntry(instanceId, backupId);
        const staging = this.stagingDir(job.id);
        try {
          const verified = await this.readBack(job, entry, destination, staging);
          const instance = this.mustGet(instanceId);
          const db = await this.dbTarget(instance).catch(() => undefined);
          if (db) await drillDatabase(this.restoreDeps(job), { backup: verified, db });
        } finally {
          await fs.rm(staging, { recursive: true, force: true });
        }
        const verifiedAt = this.deps.now().toISOString();
        await this.index.put({ ...entry, verifiedAt });
        await this.recordDrill(instanceId, { at: verifiedAt, ok: true, backupId });
        return { verifiedAt };
      } catch (error) {
        const coded = asCodedError(error);
        await this.recordDrill(instanceId, {
          at: this.deps.now().toISOString(),
          ok: false,
          backupId,
          code: coded?.code ?? ErrorCode.INTERNAL,
          message: coded?.message ?? 'The restore drill failed; details are in the agent log.',
        });
        throw error;
      }
    });
  }

  /** The drill's outcome onto the instance; a pass also moves "last verified restore". */
  private async recordDrill(instanceId: string, drill: BackupDrillResult): Promise<void> {
    const before = this.deps.getInstance(instanceId)?.backupStatus;
    const status: BackupStatus = {
      ...(drill.ok
        ? { lastVerifiedAt: drill.at }
        : before?.lastVerifiedAt
          ? { lastVerifiedAt: before.lastVerifiedAt }
          : {}),
      lastDrill: drill,
    };
    // A project deleted meanwhile has nothing left to mark; the job's own outcome stands.
    await this.deps.setBackupStatus?.(instanceId, status).catch(() => undefined);
  }

  /** Journaled: a backup the agent is cut off in leaves no half-written work behind. */
  private async backupNow(
    job: Job,
    instance: Instance,
    options: { kind?: BackupKind; destinations?: string[] },
  ): Promise<BackupResult> {
    await this.deps.checkDisk?.();
    const op = await this.deps.journal?.begin('backup', instance, 'backup');
    await op?.enter('backup');
    try {
      return await this.backupUnjournaled(job, instance, options);
    } finally {
      await op?.end();
    }
  }

  private async backupUnjournaled(
    job: Job,
    instance: Instance,
    options: { kind?: BackupKind; destinations?: string[] },
  ): Promise<BackupResult> {
    await this.password.ensure();
    const chosen = await this.chooseDestinations(options.destinations);
    const workDir = path.join(this.backupsDir, 'work');
    await fs.mkdir(workDir, { recursive: true, mode: 0o700 });
    const result = await runBackup(
      {
        restic: this.restic,
        workDir,
        agentVersion: this.deps.agentVersion,
        now: this.deps.now,
        progress: (p) => this.progress(job, p),
      },
      {
        instance,
        projectDir: this.deps.instanceDir(instance.id),
        db: await this.dbTarget(instance),
        kind: options.kind ?? 'manual',
        restrictKey: await this.restrictKey(instance.id),
        destinations: await Promise.all(
          chosen.map(async (destination) => ({
            destination,
            target: await this.destinations.target(destination),
          })),
        ),
      },
    );
    await this.index.put({ manifest: result.manifest, added: result.added });
    this.progress(job, { phase: 'done', backupId: result.manifest.id, percent: 100 });
    return result;
  }

  private async restoreNow(
    job: Job,
    instanceId: string,
    backupId: string,
    destinationId: string | undefined,
  ): Promise<{ safetyBackupId: string; settings?: Record<string, SettingValue> }> {
    const entry = await this.mustGetEntry(instanceId, backupId);
    await this.deps.checkRestoreDisk?.(backupBytes(entry.manifest));
    const staging = this.stagingDir(job.id);
    const safetyStaging = this.stagingDir(`${job.id}-safety`);
    const op = await this.deps.journal?.begin('restore', this.mustGet(instanceId), 'read-back', {
      backupId,
    });
    try {
      await op?.enter('read-back');
      // 1. Read the backup back in full: a bad password or a damaged repository stops here.
      const verified = await this.readBack(job, entry, destinationId, staging);
      // 2. A backup of what is there now, so the restore itself can be undone.
      await op?.enter('safety-backup');
      this.progress(job, { phase: 'safety-backup', message: 'Backing up the current state first' });
      const instance = this.mustGet(instanceId);
      const safety = await this.backupNow(job, instance, {
        kind: 'safety',
        destinations: [LOCAL_DESTINATION_ID],
      });
      // 3. Replace, with nothing but the database running; on failure, put the safety back.
      const project = { name: instance.project, dir: this.deps.instanceDir(instanceId) };
      const compose = await this.deps.compose();
      const db = await this.dbTarget(instance);
      await op?.enter('replace', { safetyBackupId: safety.manifest.id });
      await stopAllButDb(compose, project);
      try {
        await applyBackup(this.restoreDeps(job), {
          backup: verified,
          db,
          projectDir: project.dir,
          keepRolePasswords: false,
        });
      } catch (error) {
        this.progress(job, {
          phase: 'restoring-database',
          message: 'The restore failed; putting the safety backup back',
        });
        const undo = await this.readBack(
          job,
          { manifest: safety.manifest, added: safety.added },
          LOCAL_DESTINATION_ID,
          safetyStaging,
        );
        await applyBackup(this.restoreDeps(job), {
          backup: undo,
          db,
          projectDir: project.dir,
          keepRolePasswords: false,
        });
        await startAll(compose, project);
        throw error;
      }
      await op?.enter('start');
      this.progress(job, { phase: 'starting', message: 'Starting the project again' });
      await startAll(compose, project);
      return {
        safetyBackupId: safety.manifest.id,
        ...(verified.settings ? { settings: verified.settings } : {}),
      };
    } finally {
      await op?.end();
      await fs.rm(staging, { recursive: true, force: true });
      await fs.rm(safetyStaging, { recursive: true, force: true });
    }
  }

  private async readBack(
    job: Job,
    entry: IndexEntry,
    destinationId: string | undefined,
    staging: string,
  ): Promise<VerifiedBackup> {
    const id = destinationId ?? this.preferredDestination(entry);
    const destination = await this.destinations.get(id);
    return readBackBackup(this.restoreDeps(job), {
      manifest: entry.manifest,
      destinationId: id,
      target: await this.destinations.target(destination),
      staging,
    });
  }

  private restoreDeps(job: Job) {
    return { restic: this.restic, progress: (p: ProgressInput) => this.progress(job, p) };
  }

  private preferredDestination(entry: IndexEntry): string {
    const ids = Object.keys(entry.manifest.snapshots);
    return ids.includes(LOCAL_DESTINATION_ID)
      ? LOCAL_DESTINATION_ID
      : (ids[0] ?? LOCAL_DESTINATION_ID);
  }

  private async chooseDestinations(ids: string[] | undefined): Promise<Destination[]> {
    const all = await this.destinations.list();
    if (!ids || ids.length === 0) return all;
    return Promise.all(ids.map((id) => this.destinations.get(id)));
  }

  private async dbTarget(instance: Instance): Promise<DbTarget> {
    return {
      container: await dbContainer(instance.project),
      password: await this.deps.postgresPassword(instance.id),
    };
  }

  /**
   * The project's psql `\restrict` key for its dumps: stable (so unchanged data dedupes) and
   * unpredictable to the database (derived from this server's repository password).
   */
  private async restrictKey(instanceId: string): Promise<string> {
    return createHmac('sha256', await this.password.read())
      .update(`pg_dump restrict key ${instanceId}`)
      .digest('hex')
      .slice(0, 32);
  }

  private importDir(name: string): string {
    return path.join(this.backupsDir, 'imports', name);
  }

  private stagingDir(jobId: string): string {
    return path.join(this.backupsDir, 'staging', jobId);
  }

  private mustGet(id: string): Instance {
    const instance = this.deps.getInstance(id);
    if (!instance)
      throw new AgentError(ErrorCode.NOT_FOUND, `There is no instance "${id}".`, { id });
    return instance;
  }

  private async mustGetEntry(instanceId: string, backupId: string): Promise<IndexEntry> {
    const entry = await this.index.get(instanceId, backupId);
    if (!entry) {
      throw new CodedError(
        ErrorCode.BACKUP_NOT_FOUND,
        `There is no backup "${backupId}" of this project.`,
        {
          backupId,
        },
      );
    }
    return entry;
  }

  /** Sets (or with undefined, removes) a project's schedule. */
  async setSchedule(
    instanceId: string,
    schedule: BackupSchedule | undefined,
  ): Promise<StoredSchedule | undefined> {
    this.mustGet(instanceId);
    const stored = schedule ? { ...schedule, since: this.deps.now().toISOString() } : undefined;
    await this.schedules.set(instanceId, stored);
    return stored;
  }

  /**
   * Forgets the backups a retention policy does not keep: their snapshots on every destination
   * (restic `forget --prune`), then their index entries. Returns the ids removed.
   */
  async prune(instanceId: string, policy: RetentionPolicy): Promise<string[]> {
    const entries = await this.index.list(instanceId);
    const keep = backupsToKeep(
      entries.map((e) => ({ id: e.manifest.id, startedAt: e.manifest.startedAt })),
      policy,
    );
    const gone = entries.filter((e) => !keep.has(e.manifest.id));
    if (gone.length === 0) return [];
    const byDestination = new Map<string, string[]>();
    for (const entry of gone) {
      for (const [dest, snaps] of Object.entries(entry.manifest.snapshots)) {
        const ids = byDestination.get(dest) ?? [];
        ids.push(...[snaps.db, snaps.files].filter(Boolean));
        byDestination.set(dest, ids);
      }
    }
    for (const [dest, ids] of byDestination) {
      const destination = await this.destinations.get(dest).catch(() => undefined);
      if (!destination) continue; // removed since: nothing left to forget there
      await this.restic.run(await this.destinations.target(destination), [
        'forget',
        '--prune',
        ...ids,
      ]);
    }
    for (const entry of gone) await this.index.remove(instanceId, entry.manifest.id);
    return gone.map((e) => e.manifest.id);
  }

  /** The newest backup that was not a safety backup (what a schedule counts from). */
  async lastBackupAt(instanceId: string): Promise<string | undefined> {
    return (await this.index.list(instanceId)).find((e) => e.manifest.kind !== 'safety')?.manifest
      .startedAt;
  }

  /**
   * The newest drill, passed or failed: a failed drill counts too, so the scheduler does not
   * start another full drill on every pass while the first one's failure waits for a person.
   */
  async lastDrillAt(instanceId: string): Promise<string | undefined> {
    const verified = (await this.index.list(instanceId))
      .map((e) => e.verifiedAt)
      .filter((v): v is string => v !== undefined);
    const attempted = this.deps.getInstance(instanceId)?.backupStatus?.lastDrill?.at;
    return [...verified, ...(attempted ? [attempted] : [])].sort().at(-1);
  }

  /** A restore drill of the newest backup (read back in full and checked). */
  async drillLatest(instanceId: string): Promise<void> {
    const latest = (await this.index.list(instanceId))[0];
    if (latest) await this.verify(instanceId, latest.manifest.id).done;
  }

  /**
   * Start-up recovery of a backup or a restore the agent was cut off in (operations/recovery.ts):
   * no restic container or temporary file is left; a restore cut off while replacing data gets
   * its safety backup put back, one cut off later is finished; the project runs again.
   */
  async recover(record: OperationRecord): Promise<RecoveryResult> {
    await removeResticContainers(this.backupsDir);
    await fs.rm(path.join(this.backupsDir, 'work'), { recursive: true, force: true });
    await fs.rm(path.join(this.backupsDir, 'staging'), { recursive: true, force: true });
    const at = `at step "${record.step}" (the agent stopped)`;
    if (record.kind === 'backup') {
      return {
        outcome: 'rolled-back',
        message: `The backup was interrupted ${at}; nothing was recorded and its temporary files were removed.`,
      };
    }
    const instance = this.mustGet(record.instanceId);
    const project = { name: instance.project, dir: this.deps.instanceDir(instance.id) };
    const compose = await this.deps.compose();
    const safetyBackupId = record.data.safetyBackupId as string | undefined;
    if (record.step === 'replace' && safetyBackupId) {
      const job: Job = { id: `recover-${record.id}`, instanceId: instance.id, kind: 'restore' };
      const staging = this.stagingDir(job.id);
      try {
        const safety = await this.mustGetEntry(instance.id, safetyBackupId);
        const undo = await this.readBack(job, safety, LOCAL_DESTINATION_ID, staging);
        await applyBackup(this.restoreDeps(job), {
          backup: undo,
          db: await this.dbTarget(instance),
          projectDir: project.dir,
          keepRolePasswords: false,
        });
      } finally {
        await fs.rm(staging, { recursive: true, force: true });
      }
    }
    await startAll(compose, project);
    if (record.data.clone === true && record.step === 'replace') {
      // No safety backup to put back: the project runs again and the person is told to restore.
      return {
        outcome: 'failed',
        message: `The restore into this project was interrupted ${at} while its data was being replaced; the project was started again, but its data may be partly restored: restore the backup again.`,
      };
    }
    return record.step === 'start'
      ? { outcome: 'completed', message: `The restore was interrupted ${at}; it was finished.` }
      : {
          outcome: 'rolled-back',
          message:
            record.step === 'replace'
              ? `The restore was interrupted ${at}; the safety backup taken before it was put back.`
              : `The restore was interrupted ${at}, before any data was replaced; nothing changed.`,
        };
  }

  /**
   * A backup's parts for a download, read straight from the repository (`restic dump`, one run
   * per part, streamed: nothing is staged on the server). `read` yields each part's name, then
   * its bytes; the caller's pace is restic's (a paused consumer pauses restic's stdout), and
   * ending the iteration early stops the running restic. `roles` (the roles' password hashes)
   * only when asked for.
   */
  async openDownload(
    instanceId: string,
    backupId: string,
    options: { destination?: string; roles?: boolean } = {},
  ): Promise<{
    manifest: IndexEntry['manifest'];
    parts: BackupDownloadPart[];
    destination: string;
    read(): AsyncGenerator<{ part: BackupDownloadPart } | { data: Buffer }>;
  }> {
    const entry = await this.mustGetEntry(instanceId, backupId);
    const destinationId = options.destination ?? this.preferredDestination(entry);
    const snaps = entry.manifest.snapshots[destinationId];
    if (!snaps?.db || !snaps.files) {
      throw new CodedError(
        ErrorCode.BACKUP_NOT_FOUND,
        `Backup ${backupId} is not on destination "${destinationId}".`,
        { backupId, destination: destinationId },
      );
    }
    const target = await this.destinations.target(await this.destinations.get(destinationId));
    const sources: Record<Exclude<BackupDownloadPart, 'manifest'>, [string, string]> = {
      database: [snaps.db, DB_FILE],
      storage: [snaps.files, '/data/storage'],
      functions: [snaps.files, '/data/functions'],
      roles: [snaps.files, `${META_IN_SNAPSHOT}/roles.sql`],
    };
    const parts: BackupDownloadPart[] = ['manifest', 'database', 'storage', 'functions'];
    if (options.roles) parts.push('roles');
    const restic = this.restic;
    const manifest = Buffer.from(JSON.stringify(entry.manifest));
    return {
      manifest: entry.manifest,
      parts,
      destination: destinationId,
      async *read() {
        for (const part of parts) {
          yield { part };
          if (part === 'manifest') {
            for (let at = 0; at < manifest.length; at += MANIFEST_CHUNK_BYTES) {
              yield { data: manifest.subarray(at, at + MANIFEST_CHUNK_BYTES) };
            }
            continue;
          }
          const [snapshot, file] = sources[part];
          const dump = restic.dump(target, snapshot, file);
          let ended = false;
          try {
            for await (const chunk of dump.stream) yield { data: chunk as Buffer };
            await dump.run.done;
            ended = true;
          } finally {
            if (!ended) dump.run.abort();
          }
        }
      },
    };
  }

  /**
   * Every listed project's backup state for the server-wide view: newest backup, schedule,
   * drill outcome, and a backup job that failed since the newest backup (recent jobs only).
   */
  async summary(instances: Instance[]): Promise<ProjectBackupSummary[]> {
    const schedules = await this.schedules.all();
    const failures = new Map<string, { at: string; code: string; message: string }>();
    for (const record of this.jobs.values()) {
      const last = record.events.at(-1);
      if (record.kind !== 'backup' || !last) continue;
      if (record.error) {
        failures.set(record.instanceId, { at: last.at, ...record.error });
      } else if (record.finished) failures.delete(record.instanceId);
    }
    return Promise.all(
      instances.map(async (instance) => {
        const entries = await this.index.list(instance.id);
        const last = entries.find((e) => e.manifest.kind !== 'safety');
        const failure = failures.get(instance.id);
        const summary: ProjectBackupSummary = {
          instanceId: instance.id,
          name: instance.name,
          count: entries.length,
          schedule: schedules[instance.id] ?? null,
        };
        if (last) {
          const row = summarize(last);
          summary.last = {
            id: row.id,
            startedAt: row.startedAt,
            bytes: row.bytes,
            destinations: row.destinations,
          };
        }
        if (instance.backupStatus) summary.backupStatus = instance.backupStatus;
        if (failure && (!last || failure.at > last.manifest.startedAt)) summary.lastError = failure;
        return summary;
      }),
    );
  }

  /** A recent job's progress (what `backups.job` answers), or undefined when unknown. */
  job(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId);
  }

  /** The repository password for the desktop's keychain; says whether it is the first fetch. */
  async key(): Promise<{ password: string; firstTime: boolean }> {
    const password = await this.password.read();
    const marker = path.join(this.backupsDir, 'repository-password.delivered');
    const firstTime = await fs.access(marker).then(
      () => false,
      () => true,
    );
    if (firstTime) await fs.writeFile(marker, this.deps.now().toISOString(), { mode: 0o600 });
    return { password, firstTime };
  }

  /**
   * Queues a job. With `before`, the job joins the queue only once that settles (a clone waits
   * for its new project's creation outside the queue, so other backups are not held up).
   */
  private enqueue<T>(
    instanceId: string,
    kind: BackupJobKind,
    work: (job: Job) => Promise<T>,
    before?: Promise<unknown>,
  ): JobHandle<T> {
    const job: Job = { id: `j${randomBytes(5).toString('hex')}`, instanceId, kind };
    const record: JobRecord = { instanceId, kind, events: [], finished: false };
    this.jobs.set(job.id, record);
    for (const old of this.jobs.keys()) {
      if (this.jobs.size <= MAX_JOBS_KEPT) break;
      this.jobs.delete(old);
    }
    const failed = (error: unknown): never => {
      const coded = asCodedError(error);
      record.finished = true;
      record.error = {
        code: coded?.code ?? ErrorCode.INTERNAL,
        message: coded?.message ?? 'The job failed; details are in the agent log.',
      };
      this.progress(job, { phase: 'failed', error: record.error });
      throw error;
    };
    const wrapped = async (): Promise<T> => {
      try {
        const result = await work(job);
        record.finished = true;
        record.backupId = backupIdOf(result);
        return result;
      } catch (error) {
        return failed(error);
      }
    };
    let position: number;
    let done: Promise<T>;
    if (before) {
      position = this.queue.length;
      this.progress(job, { phase: 'queued', message: 'Waiting for the new project to be ready' });
      done = before.then(
        () => this.queue.run(job, wrapped).done,
        (error: unknown) => failed(error),
      );
    } else {
      ({ position, done } = this.queue.run(job, wrapped));
      if (position > 0) this.progress(job, { phase: 'queued', queuePosition: position });
    }
    done.catch(() => undefined);
    return { jobId: job.id, queuePosition: position, done };
  }

  private progress(job: Job, p: ProgressInput): void {
    const event: BackupProgress = {
      jobId: job.id,
      instanceId: job.instanceId,
      job: job.kind,
      at: this.deps.now().toISOString(),
      ...p,
    };
    const record = this.jobs.get(job.id);
    if (record && record.events.length < MAX_EVENTS_PER_JOB) record.events.push(event);
    this.deps.emit({ type: 'backup.progress', event });
  }
}

function backupIdOf(result: unknown): string | undefined {
  const r = result as
    { manifest?: { id?: string }; safetyBackupId?: string; backupId?: string } | undefined;
  return r?.manifest?.id ?? r?.safetyBackupId ?? r?.backupId;
}

type ProgressInput = Omit<BackupProgress, 'jobId' | 'instanceId' | 'job' | 'at'>;

/** What a backup writes back when restored: its database dump and its files. */
function backupBytes(manifest: BackupManifest): number {
  return manifest.database.bytes + manifest.files.bytes;
}
