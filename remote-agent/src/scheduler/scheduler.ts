import type { InstanceRegistry } from '../lifecycle/types';
import type { AgentEvent, DiagnosticReport, RepairResult } from '@protocol/types';
import type { AuditInput, HealthService } from '../repair/service';
import { decide, reportSignature, type Incident, type RepairPolicy } from './incidents';

export interface SchedulerDeps {
  registry: InstanceRegistry;
  health: HealthService;
  emit(event: AgentEvent): void;
  audit(entry: AuditInput): void;
  intervalMs: number;
  autoRepair: boolean;
  policy: RepairPolicy;
  now(): number;
  onError?(error: unknown, instanceId: string): void;
  /**
   * True while Docker itself is bringing containers back (engine away or just back, a boot):
   * the round is skipped, so a repair never fights Docker's own restarts (startup/recovery.ts).
   */
  holdRepairs?(): boolean;
}

export interface DiagnosticScheduler {
  start(): void;
  /** One round over every instance that is meant to be up; resolves when it is done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Only instances meant to be up are watched: a stopped one is a person's choice. */
const WATCHED = new Set(['running', 'degraded']);

/**
 * Diagnoses every running or degraded instance each interval. A change of diagnosis is audited;
 * every diagnosis is pushed as `instance.diagnosed` (with `changed`), so open windows stay
 * current. With auto-repair, failures are repaired under the incident policy (./incidents.ts),
 * and an instance whose repairs keep failing is marked `needsAttention` and left alone.
 * Rounds never overlap: the next one is timed from the end of the last.
 */
export function createDiagnosticScheduler(deps: SchedulerDeps): DiagnosticScheduler {
  const incidents = new Map<string, Incident>();
  const signatures = new Map<string, string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  // Set by stop(): a round in progress finishes the instance it is on and goes no further.
  let closing = false;

  async function round(): Promise<void> {
    if (deps.holdRepairs?.()) return;
    const ids = deps.registry
      .list()
      .filter((i) => WATCHED.has(i.status))
      .map((i) => i.id);
    for (const id of [...incidents.keys()]) if (!ids.includes(id)) incidents.delete(id);
    for (const id of ids) {
      if (closing || deps.holdRepairs?.()) return;
      try {
        await watchOne(id);
      } catch (error) {
        deps.onError?.(error, id);
      }
    }
  }

  async function watchOne(id: string): Promise<void> {
    const instance = deps.registry.get(id);
    if (!instance || !WATCHED.has(instance.status) || deps.health.isBusy(id)) return;
    const report = await deps.health.diagnose(id);
    noteDiagnosis(id, report);

    const { decision, incident } = decide(
      incidents.get(id),
      report.status,
      deps.now(),
      deps.policy,
    );
    if (decision.kind === 'healthy') {
      incidents.delete(id);
      if (deps.registry.get(id)?.needsAttention) {
        await deps.registry.update(id, { needsAttention: false });
      }
      return;
    }
    if (!deps.autoRepair) return;
    if (incident) incidents.set(id, incident);
    if (decision.kind === 'give-up') {
      await giveUp(id, incident?.attempts ?? 0, report);
      return;
    }
    if (decision.kind !== 'repair') return;
    let result: RepairResult;
    try {
      result = await deps.health.repair(id, {
        dryRun: false,
        actor: 'agent',
        automatic: true,
        includeOrphans: true,
      });
    } catch (error) {
      deps.onError?.(error, id);
      return;
    }
    if (result.after) noteDiagnosis(id, result.after);
    if (result.after && result.after.status !== 'fail') {
      incidents.delete(id);
    } else if (decision.attempt >= deps.policy.maxAttempts) {
      incidents.set(id, { ...incident!, gaveUp: true });
      await giveUp(id, decision.attempt, result.after ?? report);
    }
  }

  function noteDiagnosis(id: string, report: DiagnosticReport): void {
    const signature = reportSignature(report);
    const changed = signatures.get(id) !== signature;
    signatures.set(id, signature);
    deps.emit({ type: 'instance.diagnosed', instanceId: id, report, changed });
    if (changed) {
      deps.audit({
        actor: 'agent',
        action: 'instances.diagnose.change',
        target: id,
        result: report.status === 'fail' ? 'error' : 'ok',
        detail: {
          status: report.status,
          problems: report.checks.filter((c) => c.status !== 'ok').map((c) => c.id),
        },
      });
    }
  }

  async function giveUp(id: string, attempts: number, report: DiagnosticReport): Promise<void> {
    if (!deps.registry.get(id)) return;
    await deps.registry.update(id, { needsAttention: true });
    deps.audit({
      actor: 'agent',
      action: 'instances.repair.giveup',
      target: id,
      result: 'error',
      code: 'UNHEALTHY',
      detail: {
        attempts,
        failing: report.checks.filter((c) => c.status === 'fail').map((c) => c.id),
      },
    });
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = round().finally(() => {
        running = undefined;
        schedule();
      });
    }, deps.intervalMs);
    timer.unref?.();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      closing = false;
      schedule();
    },
    async tick() {
      if (running) await running;
      await round();
    },
    async stop() {
      stopped = true;
      closing = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
