import type { DiagnosticReport, RepairResult } from '@contract/api';
import { projectKey, toApiError } from '../api';
import type { Slice } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';

export interface DiagnosticsSlice {
  reports: Record<string, DiagnosticReport>;
  /** The dry run shown before a repair is confirmed. */
  repairPlans: Record<string, RepairResult>;
  lastRepairs: Record<string, RepairResult>;
  diagnosing: Record<string, boolean>;
  repairing: Record<string, boolean>;
  diagnose(serverId: string, instanceId: string): Promise<void>;
  planRepair(serverId: string, instanceId: string): Promise<void>;
  repair(serverId: string, instanceId: string): Promise<void>;
  cancelRepairPlan(serverId: string, instanceId: string): void;
  setReport(serverId: string, report: DiagnosticReport): void;
  applyRepair(serverId: string, result: RepairResult, automatic: boolean): void;
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

export const createDiagnosticsSlice: Slice<DiagnosticsSlice> = (set, get) => ({
  reports: {},
  repairPlans: {},
  lastRepairs: {},
  diagnosing: {},
  repairing: {},

  async diagnose(serverId, instanceId) {
    const key = projectKey(serverId, instanceId);
    set((s) => ({ diagnosing: { ...s.diagnosing, [key]: true } }));
    try {
      get().setReport(serverId, await get().api.diagnoseProject(serverId, instanceId));
    } catch (raw) {
      get().toast({
        kind: 'error',
        title: t('diagnostics.failedToRun'),
        body: errorText(toApiError(raw)),
      });
    } finally {
      set((s) => ({ diagnosing: without(s.diagnosing, key) }));
    }
  },

  async planRepair(serverId, instanceId) {
    const key = projectKey(serverId, instanceId);
    set((s) => ({ repairing: { ...s.repairing, [key]: true } }));
    try {
      const plan = await get().api.repairProject(serverId, instanceId, { dryRun: true });
      set((s) => ({ repairPlans: { ...s.repairPlans, [key]: plan } }));
    } catch (raw) {
      get().toast({
        kind: 'error',
        title: t('diagnostics.planFailed'),
        body: errorText(toApiError(raw)),
      });
    } finally {
      set((s) => ({ repairing: without(s.repairing, key) }));
    }
  },

  async repair(serverId, instanceId) {
    const key = projectKey(serverId, instanceId);
    set((s) => ({
      repairing: { ...s.repairing, [key]: true },
      repairPlans: without(s.repairPlans, key),
    }));
    try {
      const result = await get().api.repairProject(serverId, instanceId, { dryRun: false });
      get().applyRepair(serverId, result, false);
    } catch (raw) {
      get().toast({
        kind: 'error',
        title: t('diagnostics.repairFailed'),
        body: errorText(toApiError(raw)),
      });
    } finally {
      set((s) => ({ repairing: without(s.repairing, key) }));
    }
  },

  cancelRepairPlan(serverId, instanceId) {
    set((s) => ({ repairPlans: without(s.repairPlans, projectKey(serverId, instanceId)) }));
  },

  setReport(serverId, report) {
    const key = projectKey(serverId, report.instanceId);
    set((s) => ({ reports: { ...s.reports, [key]: report } }));
  },

  applyRepair(serverId, result, automatic) {
    if (result.dryRun) return;
    const key = projectKey(serverId, result.instanceId);
    set((s) => ({ lastRepairs: { ...s.lastRepairs, [key]: result } }));
    if (result.after) get().setReport(serverId, result.after);
    const name = get().projects[key]?.name ?? result.instanceId;
    const failed = result.actions.filter((a) => a.error !== undefined).length;
    const done = result.actions.length - failed;
    get().toast({
      kind: failed > 0 ? 'error' : 'success',
      title: automatic
        ? t('diagnostics.autoRepairDone', { name, count: done })
        : t('diagnostics.repairDone', { name, count: done }),
      body: failed > 0 ? t('diagnostics.repairFailures', { count: failed }) : undefined,
    });
  },
});
