import { AgentError, describeError } from '@common/coded-error';
import type { InstanceSecrets } from '../credentials/secrets';
import type { Compose } from '../docker/compose';
import { checkOperation, type InstanceLocks, type Lease } from '../instances/state';
import { waitUntilHealthy } from '../lifecycle/health';
import type { StackDriver } from '../lifecycle/stack-driver';
import { ErrorCode } from '@protocol/error-codes';
import type { DiagnosticReport, Instance, PostgresUpgradePlan } from '@protocol/types';
import { writeStackFiles } from '../stack/files';
import type { RenderedStack } from '../stack/render';
import { releasePostgresMajor, type ReleaseCatalog, type StackRelease } from '../stack/releases';
import type { AuditInput } from '../state/audit-log';
import { backupFirst, type HeldBackups } from './backup-first';
import { DataDirectorySwap } from './data-directory';
import { planPostgresUpgrade } from './plan';
import { pullForUpgrade } from './pull';
import { diagnosisSentence } from './upgrader';

export interface PostgresUpgraderDeps {
  driver: StackDriver;
  locks: InstanceLocks;
  catalog: ReleaseCatalog;
  overrides: Readonly<Record<string, string>>;
  readSecrets(instanceId: string): Promise<InstanceSecrets>;
  render(instance: Instance, secrets: InstanceSecrets): RenderedStack;
  audit(entry: AuditInput): void;
  /** The backups service: the safety backup is also what fills the new data directory. */
  backups: HeldBackups;
  /** As the normal upgrade's: how long the new release may take to turn healthy. */
  healthTimeoutMs?: number;
  /** The agent's diagnosis, run once the new major is healthy (reported, never rolled back). */
  diagnose?: (instanceId: string) => Promise<DiagnosticReport>;
  /**
   * Refuses up front when the disk cannot hold the dump and the new data directory beside the
   * old one (disk/needs.ts), given the current data directory's size in bytes.
   */
  checkDisk?(dataDirectoryBytes: number): Promise<void>;
  /** The project's database data directory on disk, in bytes (usage/disk.ts). */
  dataDirectoryBytes?(instanceId: string): Promise<number>;
}

/**
 * Postgres 15 → 17 (any newer major), never automatic: the data directory of one major does not
 * start on the next, so this is a dump and restore through the backups machinery.
 *
 *   1. a `pre-upgrade` backup (the dump; its failure stops everything before any change);
 *   2. pull the new release's images while the project serves;
 *   3. stop the project, move the data directory aside UNTOUCHED, write the new release's files;
 *   4. start the new database alone on an empty directory (a fresh cluster), wait for health;
 *   5. restore the backup's roles and database into it; start the rest; wait for health;
 *   6. record the release, and only then delete the old directory.
 *
 * Any failure in 3–5 stops the project, drops the new directory, puts the old one back with the
 * old release's files, and starts it again: the old data was never opened by the new major.
 * The caller types the project's name to confirm (CONFIRMATION_MISMATCH otherwise).
 */
export interface PostgresUpgradeResult {
  instance: Instance;
  plan: PostgresUpgradePlan;
  diagnosis?: DiagnosticReport;
}

export class PostgresMajorUpgrader {
  constructor(private readonly deps: PostgresUpgraderDeps) {}

  async plan(instanceId: string, to?: string): Promise<PostgresUpgradePlan> {
    const instance = this.deps.driver.mustGet(instanceId);
    return this.planFor(instance, await this.deps.readSecrets(instanceId), to).plan;
  }

  async upgrade(
    instanceId: string,
    options: { release?: string; confirm: string },
    actor: string,
  ): Promise<PostgresUpgradeResult> {
    const first = this.deps.driver.mustGet(instanceId);
    checkOperation(first, 'upgrade');
    if (options.confirm !== first.name) {
      throw new AgentError(
        ErrorCode.CONFIRMATION_MISMATCH,
        `Type the project's name, "${first.name}", to confirm the Postgres upgrade.`,
      );
    }
    this.planFor(first, await this.deps.readSecrets(instanceId), options.release);
    if (this.deps.checkDisk) {
      await this.deps.checkDisk((await this.deps.dataDirectoryBytes?.(instanceId)) ?? 0);
    }
    return this.deps.locks.run(instanceId, 'upgrade', async (lease) => {
      const instance = this.deps.driver.mustGet(instanceId);
      checkOperation(instance, 'upgrade');
      const secrets = await this.deps.readSecrets(instanceId);
      return this.run(instance, this.planFor(instance, secrets, options.release), actor, lease);
    });
  }

  private planFor(instance: Instance, secrets: InstanceSecrets, to: string | undefined) {
    const { catalog } = this.deps;
    const from = catalog.releaseOf(instance);
    const target = to ? catalog.get(to) : newestNewerMajor(catalog, from);
    const next: Instance = { ...instance, release: target.id };
    const before = this.deps.render(instance, secrets);
    const after = this.deps.render(next, secrets);
    const plan = planPostgresUpgrade({
      instanceId: instance.id,
      from,
      to: target,
      overrides: this.deps.overrides,
      before,
      after,
      catalog,
    });
    return { plan, before, after };
  }

  private async run(
    instance: Instance,
    planned: ReturnType<PostgresMajorUpgrader['planFor']>,
    actor: string,
    lease: Lease,
  ): Promise<PostgresUpgradeResult> {
    const { driver } = this.deps;
    const { registry } = driver.deps;
    const { plan, before, after } = planned;
    const id = instance.id;
    const progress = driver.progress;
    const dir = driver.deps.instanceDir(id);
    const swap = new DataDirectorySwap(dir, `pg${plan.fromMajor}`);
    const started = Date.now();
    const audit = (result: 'ok' | 'error', code?: string, extra: object = {}) =>
      this.deps.audit({
        actor,
        action: 'instances.upgradePostgres.finish',
        target: id,
        result,
        ...(code ? { code } : {}),
        detail: { from: plan.from, to: plan.to, ms: Date.now() - started, ...extra },
      });
    progress.begin(id);

    let restoreDatabase: () => Promise<void>;
    let step: 'backup' | 'pull' = 'backup';
    try {
      // A leftover from an interrupted attempt is somebody's only copy: never overwrite it.
      await swap.mustBeFree();
      progress.record(id, { step: 'backup', status: 'started' });
      const held = await backupFirst(this.deps.backups)(instance, plan);
      if (!held?.restoreDatabase) throw new Error('The backup gave no way to restore it.');
      restoreDatabase = held.restoreDatabase;
      progress.record(id, { step: 'backup', status: 'done', message: held.message });
      step = 'pull';
      progress.record(id, { step: 'pull', status: 'started' });
      await pullForUpgrade(
        driver.docker.engine,
        progress,
        id,
        plan.images.map((c) => c.to),
        { attempts: driver.options.attempts, baseDelayMs: driver.options.retryBaseMs },
      );
      progress.record(id, { step: 'pull', status: 'done' });
    } catch (err) {
      const { code, message } = describeError(err);
      progress.record(id, { step, status: 'failed', message: `${code}: ${message}` });
      progress.finish(id);
      audit('error', code);
      throw err;
    }

    await registry.update(id, { status: 'restarting' });
    const cmp = await driver.docker.compose();
    try {
      progress.record(id, { step: 'files', status: 'started' });
      await cmp.run(driver.projectOf(instance), 'stop', { timeoutMs: 120_000 });
      await swap.moveAside();
      await writeStackFiles(dir, after);
      progress.record(id, {
        step: 'files',
        status: 'done',
        message: `Postgres ${plan.fromMajor} data kept aside; a new, empty data directory for ${plan.toMajor}.`,
      });
      progress.record(id, { step: 'start', status: 'started', service: 'db' });
      await this.databaseAlone(instance, cmp, this.forwardDeadlineMs());
      progress.record(id, {
        step: 'start',
        status: 'progress',
        service: 'db',
        message: `Restoring the backup's roles and database into Postgres ${plan.toMajor}.`,
      });
      await restoreDatabase();
      progress.record(id, { step: 'start', status: 'started' });
      await driver.upUntilSettled(instance, cmp);
      progress.record(id, { step: 'start', status: 'done' });
      progress.record(id, { step: 'health', status: 'started' });
      const ready = await waitUntilHealthy({
        read: () => driver.states(instance),
        waitForChange: (ms) => driver.signals.next(instance.project, ms),
        timeoutMs: this.forwardDeadlineMs(),
      });
      const updated = await lease.finish(() =>
        registry.update(id, {
          status: 'running',
          services: ready,
          release: plan.to,
          error: undefined,
        }),
      );
      // Healthy on the new major: the old directory has served its purpose. The upgrade is
      // recorded by now, so failing to delete it must not start a rollback: say so instead.
      const kept = await swap.dropAside().then(
        () => '',
        (e: unknown) =>
          ` The old data directory ${swap.aside} could not be deleted: ${describeError(e).message}`,
      );
      const diagnosis = this.deps.diagnose
        ? await this.deps.diagnose(id).catch(() => undefined)
        : null;
      progress.record(id, {
        step: 'health',
        status: 'done',
        message: `Now on Postgres ${plan.toMajor} (release ${plan.to}).${kept}${diagnosisSentence(diagnosis)}`,
      });
      progress.finish(id);
      audit('ok', undefined, diagnosis ? { diagnosis: diagnosis.status } : {});
      return { instance: updated, plan, ...(diagnosis ? { diagnosis } : {}) };
    } catch (err) {
      const failure = await driver.failureOf(instance, err);
      progress.record(id, {
        step: 'rollback',
        status: 'started',
        error: { code: failure.code, message: failure.reason },
        ...(failure.service ? { service: failure.service } : {}),
      });
      const rollbackError = await this.rollBack(instance, cmp, before, swap).then(
        () => undefined,
        (e: unknown) => e,
      );
      const healthy = !rollbackError;
      const now = await driver.states(instance).catch(() => []);
      await lease.finish(() =>
        registry.update(id, {
          status: healthy ? 'running' : now.length ? 'degraded' : 'stopped',
          services: now,
          release: plan.from,
          error: { ...failure, code: ErrorCode.UPGRADE_ROLLED_BACK },
        }),
      );
      progress.record(id, {
        step: 'rollback',
        status: healthy ? 'done' : 'failed',
        message: healthy
          ? `Back on Postgres ${plan.fromMajor} with its untouched data, healthy.`
          : `Rolling back failed too: ${describeError(rollbackError).message}`,
      });
      progress.finish(id);
      audit('error', failure.code);
      throw new AgentError(
        ErrorCode.UPGRADE_ROLLED_BACK,
        `The Postgres upgrade to ${plan.toMajor} failed: ${failure.reason} ` +
          (healthy
            ? `The project is back on Postgres ${plan.fromMajor} with its old data, healthy.`
            : 'Rolling back failed too: run a diagnosis and a repair.'),
        {
          cause: failure.code,
          ...(failure.service ? { service: failure.service } : {}),
          from: plan.from,
          to: plan.to,
          rolledBack: healthy,
        },
      );
    }
  }

  /** Stop, the old data directory back in place, the old files, start, wait for health. */
  private async rollBack(
    instance: Instance,
    cmp: Compose,
    before: RenderedStack,
    swap: DataDirectorySwap,
  ): Promise<void> {
    const { driver } = this.deps;
    await cmp.run(driver.projectOf(instance), 'stop', { timeoutMs: 120_000 });
    await swap.putBack();
    await writeStackFiles(driver.deps.instanceDir(instance.id), before);
    await driver.upUntilSettled(instance, cmp);
    await driver.waitHealthy(instance);
  }

  private forwardDeadlineMs(): number {
    return this.deps.healthTimeoutMs ?? this.deps.driver.healthTimeoutMs();
  }

  private async databaseAlone(instance: Instance, cmp: Compose, timeoutMs: number): Promise<void> {
    const { driver } = this.deps;
    await cmp.run(driver.projectOf(instance), 'up', {
      extra: ['--no-deps', 'db'],
      timeoutMs: timeoutMs + 60_000,
    });
    await waitUntilHealthy({
      read: async () => (await driver.states(instance)).filter((s) => s.service === 'db'),
      waitForChange: (ms) => driver.signals.next(instance.project, ms),
      timeoutMs,
    });
  }
}

/** The newest release on a newer Postgres major than `from`'s; RELEASE_NOT_FOUND when none. */
function newestNewerMajor(catalog: ReleaseCatalog, from: StackRelease): StackRelease {
  const major = releasePostgresMajor(from);
  const found = catalog.list().find((r) => releasePostgresMajor(r) > major);
  if (!found) {
    throw new AgentError(
      ErrorCode.RELEASE_NOT_FOUND,
      `No stack release on this server runs a Postgres newer than ${major}.`,
      { postgresMajor: major },
    );
  }
  return found;
}
