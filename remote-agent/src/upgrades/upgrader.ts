import { AgentError, describeError } from '@common/coded-error';
import type { InstanceSecrets } from '../credentials/secrets';
import type { Compose } from '../docker/compose';
import { checkOperation, type InstanceLocks, type Lease } from '../instances/state';
import { waitUntilHealthy } from '../lifecycle/health';
import type { StackDriver } from '../lifecycle/stack-driver';
import { ErrorCode } from '@protocol/error-codes';
import type { DiagnosticReport, Instance, UpgradePlan } from '@protocol/types';
import { writeStackFiles } from '../stack/files';
import type { RenderedStack } from '../stack/render';
import type { ReleaseCatalog } from '../stack/releases';
import type { AuditInput } from '../state/audit-log';
import { Slots } from './limit';
import { planUpgrade } from './plan';
import { pullForUpgrade } from './pull';
import type { OperationJournal } from '../operations/journal';

/**
 * The seam before an upgrade changes anything: the backups work takes a backup of the project
 * here (issue 17). What it returns may put the database back when the rollback needs it (the
 * new database image ran its migrations before a later service failed).
 */
export interface BeforeUpgrade {
  (
    instance: Instance,
    plan: UpgradePlan,
  ): Promise<{
    restoreDatabase?: () => Promise<void>;
    message?: string;
    /** The backup taken, recorded in the journal: a restart after a kill restores from it. */
    backupId?: string;
  } | void>;
}

export interface UpgraderDeps {
  driver: StackDriver;
  locks: InstanceLocks;
  catalog: ReleaseCatalog;
  overrides: Readonly<Record<string, string>>;
  readSecrets(instanceId: string): Promise<InstanceSecrets>;
  /** The one rendering of a project's facts (creation, diagnosis and repair use the same). */
  render(instance: Instance, secrets: InstanceSecrets): RenderedStack;
  audit(entry: AuditInput): void;
  /** Upgrades running at once on this server (default 2); the rest wait in call order. */
  concurrency?: number;
  beforeUpgrade?: BeforeUpgrade;
  /**
   * How long the new release may take to turn healthy before it is rolled back (config
   * `upgradeHealthTimeoutMs`; default: the agent's health timeout). The rollback itself waits
   * with the agent's own deadline: the old release must get every chance to come back.
   */
  healthTimeoutMs?: number;
  /** The agent's diagnosis (repair/service.ts): an upgrade ends with one, after health. */
  diagnose?: (instanceId: string) => Promise<DiagnosticReport>;
  /** Durable step record (operations/journal.ts); absent in tests that do not look at crashes. */
  journal?: OperationJournal;
  /** Refuses an upgrade up front when the data directory's disk is low (disk/). */
  checkDisk?(): Promise<void>;
}

export interface UpgradeResult {
  instance: Instance;
  plan: UpgradePlan;
  /** The diagnosis run once the new release is healthy (absent when it could not run). */
  diagnosis?: DiagnosticReport;
}

/**
 * Moves a project to another stack release: plan (refusing a Postgres major change), backup
 * hook, pull every new image with progress while the project still runs, write the new files,
 * recreate the database first when its image changes (and wait for it), then the rest, wait
 * for every service's health. Any failure after the pull puts back the previous release's
 * files and images (and the database, through the hook), waits for health again, and answers
 * UPGRADE_ROLLED_BACK with the cause. The registry records the new release only on success.
 */
export class Upgrader {
  private readonly slots: Slots;

  constructor(private readonly deps: UpgraderDeps) {
    this.slots = new Slots(deps.concurrency ?? 2);
  }

  async plan(instanceId: string, to?: string): Promise<UpgradePlan> {
    const instance = this.deps.driver.mustGet(instanceId);
    const secrets = await this.deps.readSecrets(instanceId);
    return this.planFor(instance, secrets, to).plan;
  }

  async upgrade(instanceId: string, to: string | undefined, actor: string): Promise<UpgradeResult> {
    const first = this.deps.driver.mustGet(instanceId);
    checkOperation(first, 'upgrade');
    // Refused at once (unknown release, Postgres major) rather than after waiting for a slot.
    const early = this.planFor(first, await this.deps.readSecrets(instanceId), to);
    if (early.plan.upToDate) return { instance: first, plan: early.plan };
    // Before waiting for a slot, the safety backup or a single image pull.
    await this.deps.checkDisk?.();
    return this.slots.run(() =>
      this.deps.locks.run(instanceId, 'upgrade', async (lease) => {
        const instance = this.deps.driver.mustGet(instanceId);
        checkOperation(instance, 'upgrade');
        const secrets = await this.deps.readSecrets(instanceId);
        return this.run(instance, this.planFor(instance, secrets, to), actor, lease);
      }),
    );
  }

  private planFor(instance: Instance, secrets: InstanceSecrets, to: string | undefined) {
    const { catalog } = this.deps;
    const from = catalog.releaseOf(instance);
    const target = to ? catalog.get(to) : catalog.newestFor(from);
    const before = this.deps.render(instance, secrets);
    const next: Instance = { ...instance, release: target.id };
    const after = this.deps.render(next, secrets);
    const plan = planUpgrade({
      instanceId: instance.id,
      from,
      to: target,
      overrides: this.deps.overrides,
      before,
      after,
      catalog,
    });
    return { plan, from, target, before, after, next };
  }

  private async run(
    instance: Instance,
    planned: ReturnType<Upgrader['planFor']>,
    actor: string,
    lease: Lease,
  ): Promise<UpgradeResult> {
    const { driver } = this.deps;
    const { registry } = driver.deps;
    const { plan, before, after } = planned;
    const id = instance.id;
    const progress = driver.progress;
    const dir = driver.deps.instanceDir(id);
    const started = Date.now();
    progress.begin(id);
    const audit = (result: 'ok' | 'error', code?: string, diagnosis?: string) =>
      this.deps.audit({
        actor,
        action: 'instances.upgrade.finish',
        target: id,
        result,
        ...(code ? { code } : {}),
        detail: {
          from: plan.from,
          to: plan.to,
          ms: Date.now() - started,
          ...(diagnosis ? { diagnosis } : {}),
        },
      });

    // Journaled step by step: a restart after a crash finishes it or puts `from` back.
    const op = await this.deps.journal?.begin('upgrade', instance, 'backup', {
      from: plan.from,
      to: plan.to,
      databaseChanges: plan.databaseChanges,
    });
    await op?.enter('backup');
    // 1. Backup first: nothing has changed yet, a failure here stops the upgrade.
    progress.record(id, { step: 'backup', status: 'started' });
    let restoreDatabase: (() => Promise<void>) | undefined;
    let step: 'backup' | 'pull' = 'backup';
    try {
      const hooked = await this.deps.beforeUpgrade?.(instance, plan);
      restoreDatabase = hooked?.restoreDatabase;
      progress.record(id, {
        step: 'backup',
        status: 'done',
        message: this.deps.beforeUpgrade ? hooked?.message : 'No backup step on this agent.',
      });
      // 2. Pull while the project still serves on its old release.
      step = 'pull';
      await op?.enter('pull', hooked?.backupId ? { backupId: hooked.backupId } : {});
      progress.record(id, { step: 'pull', status: 'started' });
      const pulled = await pullForUpgrade(
        driver.docker.engine,
        progress,
        id,
        plan.images.map((c) => c.to),
        { attempts: driver.options.attempts, baseDelayMs: driver.options.retryBaseMs },
      );
      progress.record(id, {
        step: 'pull',
        status: 'done',
        message: `Pulled ${pulled} of ${plan.images.length} new images.`,
      });
    } catch (err) {
      const { code, message } = describeError(err);
      // The cause goes in the message, not `error`: the app toasts an `error` as a failed
      // creation; the caller of the upgrade gets the error itself.
      progress.record(id, { step, status: 'failed', message: `${code}: ${message}` });
      progress.finish(id);
      audit('error', code);
      await op?.end();
      throw err;
    }

    await op?.enter('files');
    await registry.update(id, { status: 'restarting' });
    try {
      progress.record(id, { step: 'files', status: 'started' });
      await writeStackFiles(dir, after);
      progress.record(id, { step: 'files', status: 'done', message: plan.files.join(', ') });
      const cmp = await driver.docker.compose();
      if (plan.databaseChanges) {
        // The database first, alone: every other service waits for it anyway, and a new
        // Postgres image that does not start must not take the others down with it.
        progress.record(id, { step: 'start', status: 'started', service: 'db' });
        await this.databaseAlone(instance, cmp, this.forwardDeadlineMs());
      }
      await op?.enter('start');
      progress.record(id, { step: 'start', status: 'started' });
      await driver.upUntilSettled(instance, cmp, (attempt, message) =>
        progress.record(id, { step: 'start', status: 'retry', attempt, message }),
      );
      progress.record(id, { step: 'start', status: 'done' });
      await op?.enter('health');
      progress.record(id, { step: 'health', status: 'started' });
      const ready = await waitUntilHealthy({
        read: () => driver.states(instance),
        waitForChange: (ms) => driver.signals.next(instance.project, ms),
        timeoutMs: this.forwardDeadlineMs(),
        onReady: (s) =>
          progress.record(id, {
            step: 'health',
            status: 'progress',
            service: s.service,
            health: s.health,
          }),
      });
      // The lock goes in the same tick as `running` shows: a client may act on it at once.
      const updated = await lease.finish(() =>
        registry.update(id, {
          status: 'running',
          services: ready,
          release: plan.to,
          error: undefined,
        }),
      );
      // Healthy is not everything a diagnosis checks (keys, routes, roles): it reports, and a
      // failing check is the person's to look at; it never undoes a healthy upgrade.
      const diagnosis = await this.diagnoseQuietly(id);
      // No `done` step: the app reads `done:done` as "a creation finished" (create/createSlice).
      progress.record(id, {
        step: 'health',
        status: 'done',
        message: `Now on release ${plan.to}.${diagnosisSentence(diagnosis)}`,
      });
      progress.finish(id);
      audit('ok', undefined, diagnosis?.status);
      await op?.end();
      return { instance: updated, plan, ...(diagnosis ? { diagnosis } : {}) };
    } catch (err) {
      const failure = await driver.failureOf(instance, err);
      progress.record(id, {
        step: 'rollback',
        status: 'started',
        error: { code: failure.code, message: failure.reason },
        ...(failure.service ? { service: failure.service } : {}),
      });
      // Recorded: a kill while the database is put back is recovered like one in the upgrade.
      await op?.enter('rollback');
      const rollbackError = await this.rollBack(instance, before, plan, restoreDatabase).then(
        () => undefined,
        (e: unknown) => e,
      );
      const now = await driver.states(instance).catch(() => []);
      const healthy = !rollbackError;
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
          ? `Back on release ${plan.from}, healthy.`
          : `Rolling back failed too: ${describeError(rollbackError).message}`,
      });
      progress.finish(id);
      audit('error', failure.code);
      await op?.end();
      throw new AgentError(
        ErrorCode.UPGRADE_ROLLED_BACK,
        `The upgrade to ${plan.to} failed: ${failure.reason} ` +
          (healthy
            ? `The project is back on ${plan.from} and healthy.`
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

  /** The previous release's files and images, the database too when its image had changed. */
  private async rollBack(
    instance: Instance,
    before: RenderedStack,
    plan: UpgradePlan,
    restoreDatabase: (() => Promise<void>) | undefined,
  ): Promise<void> {
    const { driver } = this.deps;
    await writeStackFiles(driver.deps.instanceDir(instance.id), before);
    const cmp = await driver.docker.compose();
    if (plan.databaseChanges && restoreDatabase) {
      // The old image on the migrated data, healthy before the backup's database replaces it.
      await this.databaseAlone(instance, cmp, driver.healthTimeoutMs());
      await restoreDatabase();
    }
    await driver.upUntilSettled(instance, cmp);
    await driver.waitHealthy(instance);
  }

  /** The report; undefined when it failed to run; null when this agent has no diagnosis. */
  private async diagnoseQuietly(id: string): Promise<DiagnosticReport | undefined | null> {
    if (!this.deps.diagnose) return null;
    return this.deps.diagnose(id).catch(() => undefined);
  }

  private forwardDeadlineMs(): number {
    return this.deps.healthTimeoutMs ?? this.deps.driver.healthTimeoutMs();
  }

  /** (Re)creates only `db` with the image its compose file names now, and waits for health. */
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

/** One sentence for the progress line: the diagnosis' verdict and its failing checks. */
export function diagnosisSentence(report: DiagnosticReport | undefined | null): string {
  if (report === null) return '';
  if (!report) return ' The diagnosis could not run.';
  const bad = report.checks.filter((c) => c.status !== 'ok');
  if (bad.length === 0) return ' Diagnosis: every check passed.';
  return (
    ` Diagnosis: ${bad.length} check${bad.length === 1 ? '' : 's'} need attention: ` +
    bad.map((c) => `${c.title} (${c.status}: ${c.evidence})`).join('; ')
  );
}
