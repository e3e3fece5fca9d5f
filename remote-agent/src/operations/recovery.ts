import { asCodedError, describeError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { InterruptedOperation, OperationKind } from '@protocol/types';
import type { InstanceRegistry } from '../lifecycle/types';
import type { AuditInput } from '../state/audit-log';
import type { OperationJournal, OperationRecord } from './journal';

export interface RecoveryResult {
  /** failed: the project was put back in service, but what the operation changed stays changed. */
  outcome: 'completed' | 'rolled-back' | 'failed';
  message: string;
}

/** Finishes one cut-off operation or puts its project back; throws when it can do neither. */
export type Recoverer = (record: OperationRecord) => Promise<RecoveryResult>;

export interface RecoveryDeps {
  journal: OperationJournal;
  recoverers: Partial<Record<OperationKind, Recoverer>>;
  registry: InstanceRegistry;
  audit(entry: AuditInput): void;
  now(): Date;
}

/**
 * The start-up pass over the journal: every operation the previous run was cut off in is
 * finished or rolled back, and what happened is written on the project (`lastOperation`, which
 * reaches the desktop as `instance.changed`) and in the audit log. Runs before the reconciler,
 * so what it aligns with Docker is already settled. When Docker itself is unreachable, the
 * record stays for the next start; any other failure is reported as such and the record goes
 * (a repair is the tool from there).
 */
export async function recoverOperations(deps: RecoveryDeps): Promise<InterruptedOperation[]> {
  const reports: InterruptedOperation[] = [];
  const noted = new Set<string>();
  for (const record of deps.journal.unfinished()) {
    const recover = deps.recoverers[record.kind];
    let report: InterruptedOperation;
    try {
      if (!recover) throw new Error(`no recovery for ${record.kind} on this agent`);
      const result = await recover(record);
      report = { kind: record.kind, step: record.step, at: deps.now().toISOString(), ...result };
    } catch (error) {
      const { message } = describeError(error);
      const dockerDown = asCodedError(error)?.code === ErrorCode.DOCKER_UNAVAILABLE;
      report = {
        kind: record.kind,
        outcome: 'failed',
        step: record.step,
        at: deps.now().toISOString(),
        message:
          `${describeKind(record.kind)} was interrupted at step "${record.step}" and could not ` +
          `be finished or rolled back: ${message} ` +
          (dockerDown
            ? 'The agent tries again at its next start.'
            : 'Run a diagnosis and a repair.'),
      };
      if (dockerDown) {
        await note(deps, record, report, noted);
        reports.push(report);
        continue;
      }
    }
    await note(deps, record, report, noted);
    await deps.journal.settle(record.id);
    reports.push(report);
  }
  return reports;
}

async function note(
  deps: RecoveryDeps,
  record: OperationRecord,
  report: InterruptedOperation,
  noted: Set<string>,
): Promise<void> {
  // Records come newest first. An older one found already finished (the agent died between
  // its last write and removing the record) must not hide what a newer one says.
  const hidden = report.outcome === 'completed' && noted.has(record.instanceId);
  if (deps.registry.get(record.instanceId) && !hidden) {
    await deps.registry.update(record.instanceId, { lastOperation: report });
    noted.add(record.instanceId);
  }
  deps.audit({
    actor: 'agent',
    action: 'operations.recover',
    target: record.instanceId,
    result: report.outcome === 'failed' ? 'error' : 'ok',
    detail: { kind: report.kind, step: report.step, outcome: report.outcome },
  });
}

export function describeKind(kind: OperationKind): string {
  return {
    create: 'The creation',
    delete: 'The deletion',
    apply: 'The settings change',
    upgrade: 'The upgrade',
    backup: 'The backup',
    restore: 'The restore',
  }[kind];
}
