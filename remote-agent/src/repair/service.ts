import { expectedServicesFor } from '../diagnostics/expected-stack';
import type { DiagnoseOptions } from '../diagnostics/diagnose';
import { mustGetInstance } from '../instances/registry';
import { checkOperation, type InstanceLocks } from '../instances/state';
import type { InstanceRegistry } from '../lifecycle/types';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, DiagnosticReport, Instance, RepairResult } from '@protocol/types';
import type { AuditInput } from '../state/audit-log';
import { repair, type RepairDeps } from './repair';

export type { AuditInput };

export interface HealthServiceDeps {
  registry: InstanceRegistry;
  /** The agent's one per-instance lock: a repair excludes start, stop, restart and delete. */
  locks: InstanceLocks;
  diagnose(instance: Instance, options?: DiagnoseOptions): Promise<DiagnosticReport>;
  repairDeps: Omit<RepairDeps, 'diagnose' | 'findOrphans'>;
  findOrphans: RepairDeps['findOrphans'];
  emit(event: AgentEvent): void;
  audit(entry: AuditInput): void;
}

export interface RepairRequest {
  dryRun: boolean;
  /** Who asked: a username, or "agent" for the scheduler. */
  actor: string;
  automatic: boolean;
  /** Leftovers of other instances are removed only by admins and by the agent itself. */
  includeOrphans: boolean;
}

export interface HealthService {
  /** Without options: the report any viewer of the instance may see (no host-wide checks). */
  diagnose(instanceId: string, options?: DiagnoseOptions): Promise<DiagnosticReport>;
  repair(instanceId: string, request: RepairRequest): Promise<RepairResult>;
  /** An operation (a repair, a start…) holds this instance now. */
  isBusy(instanceId: string): boolean;
}

/**
 * Diagnosis and repair of registered instances, as the wire and the scheduler use them: one
 * repair per instance at a time, the instance's status brought in line afterwards, and every
 * real repair audited and pushed as an `instance.repaired` event.
 */
export function createHealthService(deps: HealthServiceDeps): HealthService {
  const mustGet = (id: string) => mustGetInstance(deps.registry, id);

  return {
    isBusy: (id) => deps.locks.isBusy(id),

    async diagnose(id, options) {
      return deps.diagnose(mustGet(id), options);
    },

    async repair(id, request) {
      const instance = mustGet(id);
      checkOperation(instance, 'repair');
      return deps.locks.run(id, 'repair', async (lease) => {
        const outcome = await repair(instance, request, {
          ...deps.repairDeps,
          // Only the services this instance runs: one turned off is not "down".
          expectedServices: expectedServicesFor(instance),
          findOrphans: request.includeOrphans ? deps.findOrphans : () => Promise.resolve([]),
          diagnose: deps.diagnose,
        });
        const { services, healthy, ...result } = outcome;
        if (request.dryRun) return result;

        const fresh = deps.registry.get(id);
        if (fresh && (fresh.status === 'running' || fresh.status === 'degraded')) {
          const fixed = healthy === true && result.after?.status !== 'fail';
          await lease.finish(() =>
            deps.registry.update(id, {
              status: healthy ? 'running' : 'degraded',
              ...(services ? { services } : {}),
              // A person's repair that worked closes the incident the scheduler gave up on.
              ...(fixed && !request.automatic ? { needsAttention: false } : {}),
            }),
          );
        }
        const failed = result.actions.filter((a) => a.done === false);
        deps.audit({
          actor: request.actor,
          action: 'instances.repair.finish',
          target: id,
          result: failed.length === 0 ? 'ok' : 'error',
          ...(failed.length > 0 ? { code: ErrorCode.INTERNAL } : {}),
          detail: {
            automatic: request.automatic,
            actions: result.actions.map((a) => `${a.kind} ${a.target}${a.done ? '' : ' (failed)'}`),
            after: result.after?.status,
          },
        });
        deps.emit({
          type: 'instance.repaired',
          instanceId: id,
          result,
          automatic: request.automatic,
        });
        return result;
      });
    },
  };
}
