import { promises as fs } from 'node:fs';
import { diskFullError, isDiskFull } from '../disk/full-disk';
import path from 'node:path';
import { asCodedError, CodedError, describeError } from '@common/coded-error';
import { writeFileAtomic } from '@common/atomic-write';
import type { InstanceSecrets } from '../credentials/secrets';
import type { Compose } from '../docker/compose';
import { mustGetInstance } from '../instances/registry';
import { checkOperation, type InstanceLocks } from '../instances/state';
import { ErrorCode } from '@protocol/error-codes';
import type {
  AgentEvent,
  ApplyProgress,
  Instance,
  ServiceState,
  StackChangePlan,
} from '@protocol/types';
import { planStackChange } from '../settings/plan';
import { readStackFiles, writeStackFiles, type StackFileOnDisk } from '../stack/files';
import type { RenderedStack } from '../stack/render';
import { waitUntilHealthy } from './health';
import type { InstanceRegistry } from './types';
import type { OperationJournal } from '../operations/journal';
import { applyUndo } from '../operations/apply-undo';

/** What an instance's stack is rendered from: its registry entry and its secrets file. */
export interface StackFacts {
  instance: Instance;
  secrets: InstanceSecrets;
}

/**
 * One change to an instance's stack: settings, a secret rotation, a size or a domain. The
 * caller says how the facts change; applying re-renders, writes what differs, recreates only
 * the services whose definition, `.env` values or mounted files changed, and rolls everything
 * back when they do not become healthy.
 */
export interface StackChange {
  instanceId: string;
  /** The new facts, from the current ones (read under the instance lock). */
  next(current: StackFacts): StackFacts | Promise<StackFacts>;
  /** What changes, for the plan and the audit (key names only, never values). */
  keys: string[];
  dryRun: boolean;
  /**
   * Work on the live stack between writing the files and recreating the services (a password
   * rotation runs ALTER ROLE here), and its undo for a rollback.
   */
  beforeRecreate?(current: StackFacts, next: StackFacts): Promise<void>;
  undoBeforeRecreate?(current: StackFacts, next: StackFacts): Promise<void>;
}

export interface StackChangeResult {
  plan: StackChangePlan;
  dryRun: boolean;
  instance: Instance;
}

export interface ApplyDeps {
  registry: InstanceRegistry;
  locks: InstanceLocks;
  instanceDir(instanceId: string): string;
  readSecrets(instanceId: string): Promise<InstanceSecrets>;
  writeSecrets(instanceId: string, secrets: InstanceSecrets): Promise<void>;
  /** The one rendering of facts (the same creation, diagnosis and repair use). */
  render(instance: Instance, secrets: InstanceSecrets): RenderedStack;
  compose(): Promise<Compose>;
  /** Docker's view of these services of the project. */
  readStates(project: string, services: readonly string[]): Promise<ServiceState[]>;
  emit(event: AgentEvent): void;
  healthTimeoutMs: number;
  sleep(ms: number): Promise<void>;
  now(): Date;
  /** Refuses the change up front when the data directory's disk is low (disk/). */
  checkDisk?(): Promise<void>;
  /** Gives back the disk reserve when a write fails for a full disk, so the restore can write. */
  releaseDiskReserve?(): Promise<unknown>;
  /** Durable step record (operations/journal.ts); absent in tests that do not look at crashes. */
  journal?: OperationJournal;
}

/** Statuses whose containers run: only then are services recreated (a stopped stack starts later with the new files). */
const LIVE = new Set<Instance['status']>(['running', 'degraded']);

export async function applyStackChange(
  change: StackChange,
  deps: ApplyDeps,
): Promise<StackChangeResult> {
  const id = change.instanceId;
  const instance = mustGetInstance(deps.registry, id);
  checkOperation(instance, 'apply');
  return deps.locks.run(id, 'apply', async () => {
    const current: StackFacts = { instance, secrets: await deps.readSecrets(id) };
    const next = await change.next(structuredClone(current));
    const before = deps.render(current.instance, current.secrets);
    const after = deps.render(next.instance, next.secrets);
    const dir = deps.instanceDir(id);
    const onDisk = await readStackFiles(
      dir,
      after.files.map((f) => f.path),
    );
    const plan = planStackChange({ before, after, onDisk, keys: change.keys });
    const live = LIVE.has(instance.status);
    if (!live) plan.services = [];
    if (change.dryRun) return { plan, dryRun: true, instance };
    await deps.checkDisk?.();

    const progress = progressEmitter(id, deps);
    // Before anything changes: what a restart after a crash needs to put the old facts back.
    const op = await deps.journal?.begin(
      'apply',
      instance,
      'files',
      applyUndo(current, next, {
        services: plan.services,
        live,
        touchesDatabase: change.beforeRecreate !== undefined,
      }),
    );
    await op?.enter('files');
    const snapshot = onDisk.filter((f) => plan.files.includes(f.path));
    const restore = async (): Promise<void> => {
      await persistFacts(next, current, deps);
      await restoreFiles(dir, snapshot);
    };

    let updated: Instance;
    try {
      progress('files', 'started');
      updated = await persistFacts(current, next, deps);
      await writeStackFiles(dir, {
        ...after,
        files: after.files.filter((f) => plan.files.includes(f.path)),
      });
      progress('files', 'done');
    } catch (error) {
      progress('files', 'failed', undefined, error);
      const diskFull = isDiskFull(error);
      if (diskFull) await deps.releaseDiskReserve?.().catch(() => undefined);
      const restored = await restore().then(
        () => true,
        () => false,
      );
      await op?.end();
      if (diskFull)
        throw diskFullError(
          'apply',
          restored
            ? 'the previous settings and files were restored'
            : 'restoring the previous files failed too: run a repair once space is free',
        );
      throw error;
    }
    if (!live || plan.services.length === 0) {
      progress('done', 'done');
      await op?.end();
      return { plan, dryRun: false, instance: updated };
    }

    let ranBefore = false;
    try {
      if (change.beforeRecreate) {
        await op?.enter('database');
        progress('database', 'started');
        await change.beforeRecreate(current, next);
        ranBefore = true;
        progress('database', 'done');
      }
      await op?.enter('recreate');
      await recreateAndWait(instance.project, dir, plan.services, deps, progress);
      progress('done', 'done');
      await op?.end();
      return { plan, dryRun: false, instance: deps.registry.get(id) ?? updated };
    } catch (error) {
      const cause = describeError(error);
      const failedService = asCodedError(error)?.data.service;
      await op?.enter('rollback');
      progress('rollback', 'started', plan.services, error);
      const rollbackError = await (async () => {
        await restore();
        if (ranBefore) await change.undoBeforeRecreate?.(current, next);
        await recreateAndWait(instance.project, dir, plan.services, deps, () => undefined);
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      progress('rollback', rollbackError ? 'failed' : 'done', plan.services, rollbackError);
      await op?.end();
      throw new CodedError(
        ErrorCode.APPLY_FAILED,
        `${cause.message} ` +
          (rollbackError
            ? 'Rolling back failed too: run a diagnosis and a repair.'
            : 'The previous settings and files were restored.'),
        {
          cause: cause.code,
          ...(typeof failedService === 'string' ? { service: failedService } : {}),
          services: plan.services,
          rolledBack: !rollbackError,
        },
      );
    }
  });
}

async function recreateAndWait(
  project: string,
  dir: string,
  services: readonly string[],
  deps: ApplyDeps,
  progress: Progress,
): Promise<void> {
  progress('recreate', 'started', [...services]);
  // --no-deps: a service's dependencies keep their containers (db is not restarted for auth).
  await (
    await deps.compose()
  ).run({ name: project, dir }, 'up', {
    extra: ['--no-deps', '--force-recreate', '--timeout', '10', ...services],
    timeoutMs: 5 * 60_000,
  });
  progress('recreate', 'done', [...services]);
  progress('health', 'started', [...services]);
  await waitUntilHealthy({
    read: () => deps.readStates(project, services),
    waitForChange: (ms) => deps.sleep(Math.min(ms, 500)),
    timeoutMs: deps.healthTimeoutMs,
  });
  progress('health', 'done', [...services]);
}

/** Writes `to` over `from`: only the registry fields and secrets that differ. */
async function persistFacts(from: StackFacts, to: StackFacts, deps: ApplyDeps): Promise<Instance> {
  const patch: Partial<Instance> = {};
  const keys = new Set([...Object.keys(from.instance), ...Object.keys(to.instance)]);
  for (const key of keys as Set<keyof Instance>) {
    if (JSON.stringify(from.instance[key]) !== JSON.stringify(to.instance[key])) {
      (patch as Record<string, unknown>)[key] = to.instance[key];
    }
  }
  if (JSON.stringify(from.secrets) !== JSON.stringify(to.secrets)) {
    await deps.writeSecrets(to.instance.id, to.secrets);
  }
  return Object.keys(patch).length > 0
    ? deps.registry.update(to.instance.id, patch)
    : (deps.registry.get(to.instance.id) ?? to.instance);
}

/** Puts the files back as they were on disk before the change (removing ones that were not). */
async function restoreFiles(dir: string, snapshot: readonly StackFileOnDisk[]): Promise<void> {
  for (const file of snapshot) {
    const target = path.join(dir, file.path);
    if (file.content === null) await fs.rm(target, { force: true });
    else await writeFileAtomic(target, file.content, { mode: file.mode ?? 0o600 });
  }
}

type Progress = (
  step: ApplyProgress['step'],
  status: ApplyProgress['status'],
  services?: string[],
  error?: unknown,
) => void;

function progressEmitter(instanceId: string, deps: ApplyDeps): Progress {
  return (step, status, services, error) => {
    const coded = error === undefined ? undefined : describeError(error);
    deps.emit({
      type: 'instance.applying',
      event: {
        instanceId,
        at: deps.now().toISOString(),
        step,
        status,
        ...(services ? { services } : {}),
        ...(coded ? { error: { code: coded.code, message: coded.message } } : {}),
      },
    });
  };
}
