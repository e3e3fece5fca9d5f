import type { InstanceSecrets } from '../credentials/secrets';
import { allReady, settledStatus } from '../instances/state';
import type { StackDriver } from '../lifecycle/stack-driver';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance, OperationKind } from '@protocol/types';
import { writeStackFiles } from '../stack/files';
import type { RenderedStack } from '../stack/render';
import type { OperationRecord } from './journal';
import type { ApplyUndo } from './apply-undo';
import { describeKind, type Recoverer, type RecoveryResult } from './recovery';

/** What the recoverers of the stack operations need; the agent's composition root builds it. */
export interface StackRecoveryDeps {
  driver: StackDriver;
  registry: {
    get(id: string): Instance | undefined;
    update(id: string, patch: Partial<Instance>): Promise<Instance>;
    remove(id: string): Promise<void>;
  };
  files: {
    dir(id: string): string;
    remove(id: string): Promise<void>;
    readSecrets(id: string): Promise<InstanceSecrets>;
    writeSecrets(id: string, secrets: InstanceSecrets): Promise<void>;
  };
  render(instance: Instance, secrets: InstanceSecrets): RenderedStack;
  /**
   * Puts a backup's database back into a project whose database runs (backups/service.ts
   * `restoreDatabaseHeld`, under the project's lock): an upgrade cut off after a new database
   * image may have migrated the data gets its pre-upgrade backup back. Absent: only a note.
   */
  restoreDatabase?(instanceId: string, backupId: string): Promise<void>;
}

const said = (kind: OperationKind, step: string, rest: string) =>
  `${describeKind(kind)} was interrupted at step "${step}" (the agent stopped); ${rest}`;

/** The recoverers of creation, deletion, settings apply and upgrade. */
export function stackRecoverers(deps: StackRecoveryDeps): Record<string, Recoverer> {
  const { driver, registry } = deps;

  /** The project as the registry has it, or enough of it to sweep Docker when it is gone. */
  const target = (r: OperationRecord): Instance =>
    registry.get(r.instanceId) ?? ({ id: r.instanceId, project: r.project } as Instance);

  /** Files from the facts now in the registry, the stack up, and its status from Docker. */
  async function bringBack(inst: Instance, recreate: string[] = []): Promise<Instance> {
    const secrets = await deps.files.readSecrets(inst.id);
    await writeStackFiles(deps.files.dir(inst.id), deps.render(inst, secrets));
    const cmp = await driver.docker.compose();
    if (recreate.length > 0) {
      // Mounted files (kong.yml…) are not in compose's config hash: recreate what the change touched.
      await cmp.run(driver.projectOf(inst), 'up', {
        extra: ['--no-deps', '--force-recreate', '--timeout', '10', ...recreate],
        timeoutMs: driver.healthTimeoutMs() + 2 * 60_000,
      });
    }
    await driver.upUntilSettled(inst, cmp);
    const ready = await driver.waitHealthy(inst).catch(() => undefined);
    const now = ready ?? (await driver.states(inst));
    return registry.update(inst.id, { status: settledStatus(now), services: now });
  }

  const create: Recoverer = async (r) => {
    const inst = registry.get(r.instanceId);
    if (!inst) {
      await driver.teardown(target(r));
      return { outcome: 'rolled-back', message: said('create', r.step, 'nothing of it is left.') };
    }
    if (inst.status === 'running') {
      return { outcome: 'completed', message: said('create', r.step, 'it had finished.') };
    }
    // Cut off while waiting for health: the stack is up, so the wait is what is left to do.
    const now =
      r.step === 'health'
        ? await driver.waitHealthy(inst).catch(() => driver.states(inst))
        : await driver.states(inst);
    if (r.step === 'health' && allReady(now)) {
      await registry.update(inst.id, { status: 'running', services: now, error: undefined });
      return {
        outcome: 'completed',
        message: said('create', r.step, 'the stack became healthy, so it was finished.'),
      };
    }
    await driver.teardown(inst);
    const message = said(
      'create',
      r.step,
      'it was rolled back: its containers, network and volumes were removed. Delete the ' +
        'project to free its ports, or create it again.',
    );
    await registry.update(inst.id, {
      status: 'failed',
      services: [],
      error: { code: ErrorCode.CANCELLED, reason: message, at: new Date().toISOString() },
    });
    return { outcome: 'rolled-back', message };
  };

  // A deletion was asked for and acknowledged: finishing it is the only truthful end.
  const remove: Recoverer = async (r) => {
    await driver.teardown(target(r));
    await deps.files.remove(r.instanceId);
    if (registry.get(r.instanceId)) await registry.remove(r.instanceId);
    driver.forget(r.instanceId);
    return {
      outcome: 'completed',
      message: said('delete', r.step, 'it was finished: nothing of the project is left.'),
    };
  };

  const apply: Recoverer = async (r) => {
    const inst = registry.get(r.instanceId);
    if (!inst) return { outcome: 'rolled-back', message: said('apply', r.step, 'project gone.') };
    const undo = r.data as unknown as ApplyUndo;
    // Past the database step, the live database already has the new password: roll forward
    // (unless the apply was already rolling itself back: `rollback` puts the old one back).
    const forward = undo.touchesDatabase && (r.step === 'recreate' || r.step === 'health');
    if (!forward) {
      const patch: Partial<Instance> = { ...undo.fields };
      for (const key of undo.cleared) (patch as Record<string, unknown>)[key] = undefined;
      if (Object.keys(patch).length > 0) await registry.update(inst.id, patch);
      if (undo.secrets) await deps.files.writeSecrets(inst.id, undo.secrets);
    }
    const restored = registry.get(inst.id)!;
    if (!undo.live) {
      const secrets = await deps.files.readSecrets(inst.id);
      await writeStackFiles(deps.files.dir(inst.id), deps.render(restored, secrets));
    } else {
      const after = await bringBack(restored, undo.services);
      if (after.status !== 'running') {
        throw new Error(`the project is ${after.status} after putting its files back`);
      }
    }
    return forward
      ? {
          outcome: 'completed',
          message: said('apply', r.step, 'the new settings were applied and are healthy.'),
        }
      : {
          outcome: 'rolled-back',
          message: said('apply', r.step, 'the previous settings and files were put back.'),
        };
  };

  const upgrade: Recoverer = async (r) => {
    const inst = registry.get(r.instanceId);
    const { from, to, databaseChanges } = r.data as {
      from: string;
      to: string;
      databaseChanges?: boolean;
    };
    if (!inst) return { outcome: 'rolled-back', message: said('upgrade', r.step, 'project gone.') };
    if (inst.release === to && inst.status === 'running') {
      return {
        outcome: 'completed',
        message: said('upgrade', r.step, `it had finished on ${to}.`),
      };
    }
    // Before the files step nothing of the stack changed (new images pulled are harmless).
    if (r.step === 'backup' || r.step === 'pull') {
      return {
        outcome: 'rolled-back',
        message: said('upgrade', r.step, `nothing had changed yet: still on ${from}.`),
      };
    }
    const back = await bringBack({ ...inst, release: from });
    await registry.update(inst.id, { release: from });
    const backupId = (r.data as { backupId?: string }).backupId;
    if (databaseChanges && backupId && deps.restoreDatabase) {
      // The new image may have migrated the data before the kill: the old image must not keep
      // running on it. The backup taken before the upgrade is put back, then the rest started.
      await deps.restoreDatabase(inst.id, backupId);
      const after = await bringBack({ ...inst, release: from });
      return {
        outcome: 'rolled-back',
        message: said(
          'upgrade',
          r.step,
          `the project was put back on ${from} and its database restored from the backup taken before the upgrade (${backupId}) (${after.status}).`,
        ),
      };
    }
    // The new database image may have migrated the data before the kill; the old image then
    // runs on it. The backup taken before the upgrade is the way back if it does not come up.
    const migrated = databaseChanges
      ? ' Its database may have started on the new image: if it is not healthy, restore the backup taken before the upgrade.'
      : '';
    const result: RecoveryResult = {
      outcome: 'rolled-back',
      message: said(
        'upgrade',
        r.step,
        `the project was put back on ${from} (${back.status}).${migrated}`,
      ),
    };
    return result;
  };

  return { create, delete: remove, apply, upgrade };
}
