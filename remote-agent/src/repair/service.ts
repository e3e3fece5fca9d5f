import type { DiagnoseOptions } from '../diagnostics/diagnose';
import { AgentError } from '../errors';
import type { InstanceRegistry } from '../lifecycle/types';
import { ErrorCode } from '../protocol/errors';
import type { AgentEvent, DiagnosticReport, Instance, RepairResult } from '../protocol/types';
import { repair, type RepairDeps } from './repair';

export interface AuditInput {
  actor: string;
  action: string;
  target?: string;
  result: 'ok' | 'error';
  code?: string;
  detail?: Record<string, unknown>;
}

export interface HealthServiceDeps {
  registry: InstanceRegistry;
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
  /** A repair of this instance is running. */
  isRepairing(instanceId: string): boolean;
}

/** Statuses owned by an operation in flight: repair would race it. */
const BUSY_STATUSES = new Set([
  'queued',
  'creating',
  'starting',
  'stopping',
  'restarting',
  'deleting',
]);

/**
 * Diagnosis and repair of registered instances, as the wire and the scheduler use them: one
 * repair per instance at a time, the instance's status brought in line afterwards, and every
 * real repair audited and pushed as an `instance.repaired` event.
 */
export function createHealthService(deps: HealthServiceDeps): HealthService {
  const repairing = new Set<string>();

  function mustGet(id: string): Instance {
    const instance = deps.registry.get(id);
    if (!instance) throw new AgentError(ErrorCode.NOT_FOUND, `No instance with id ${id}.`);
    return instance;
  }

  return {
    isRepairing: (id) => repairing.has(id),

    async diagnose(id, options) {
      return deps.diagnose(mustGet(id), options);
    },

    async repair(id, request) {
      const instance = mustGet(id);
      if (BUSY_STATUSES.has(instance.status) || repairing.has(id)) {
        throw new AgentError(
          ErrorCode.BUSY,
          repairing.has(id)
            ? 'A repair of this instance is already running; wait for it to finish.'
            : `This instance is ${instance.status}; repair it when that has finished.`,
          { status: instance.status },
        );
      }
      if (instance.status === 'created' || instance.status === 'failed') {
        throw new AgentError(
          ErrorCode.INVALID_STATE,
          instance.status === 'failed'
            ? 'This instance failed to be created, so there is nothing running to repair: delete it and create it again.'
            : 'This instance was only planned (dry run); there is nothing to repair.',
          { status: instance.status },
        );
      }
      repairing.add(id);
      try {
        const outcome = await repair(instance, request, {
          ...deps.repairDeps,
          findOrphans: request.includeOrphans ? deps.findOrphans : () => Promise.resolve([]),
          diagnose: deps.diagnose,
        });
        const { services, healthy, ...result } = outcome;
        if (request.dryRun) return result;

        const fresh = deps.registry.get(id);
        if (fresh && (fresh.status === 'running' || fresh.status === 'degraded')) {
          const fixed = healthy === true && result.after?.status !== 'fail';
          await deps.registry.update(id, {
            status: healthy ? 'running' : 'degraded',
            ...(services ? { services } : {}),
            // A person's repair that worked closes the incident the scheduler gave up on.
            ...(fixed && !request.automatic ? { needsAttention: false } : {}),
          });
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
      } finally {
        repairing.delete(id);
      }
    },
  };
}
