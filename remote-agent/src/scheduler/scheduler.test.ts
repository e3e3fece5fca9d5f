import { describe, expect, it } from 'vitest';
import type { InstanceRegistry } from '../lifecycle/types';
import type {
  AgentEvent,
  CheckStatus,
  DiagnosticReport,
  Instance,
  RepairResult,
} from '@protocol/types';
import type { AuditInput, HealthService, RepairRequest } from '../repair/service';
import { createDiagnosticScheduler } from './scheduler';

function instance(id: string, status: Instance['status']): Instance {
  return {
    id,
    name: id,
    owner: 'admin',
    status,
    createdAt: '',
    updatedAt: '',
    exposure: 'private',
    ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
    urls: { studio: '', api: '', database: '' },
    project: `ub_${id}`,
  };
}

class FakeRegistry implements InstanceRegistry {
  readonly map = new Map<string, Instance>();
  get = (id: string) => this.map.get(id);
  list = () => [...this.map.values()];
  update(id: string, patch: Partial<Instance>): Promise<Instance> {
    const next = { ...this.map.get(id)!, ...patch };
    this.map.set(id, next);
    return Promise.resolve(next);
  }
}

const report = (id: string, status: CheckStatus): DiagnosticReport => ({
  instanceId: id,
  at: '',
  status,
  durationMs: 0,
  checks: [{ id: 'container.auth', title: 'Auth', status, evidence: '' }],
});

/** A health service whose diagnosis is whatever `state` says, and whose repair may fix it. */
function fakeHealth(state: Map<string, CheckStatus>, repairFixes: boolean) {
  const repairs: { id: string; request: RepairRequest }[] = [];
  const health: HealthService = {
    isBusy: () => false,
    diagnose: (id) => Promise.resolve(report(id, state.get(id) ?? 'ok')),
    repair(id, request): Promise<RepairResult> {
      repairs.push({ id, request });
      if (repairFixes) state.set(id, 'ok');
      return Promise.resolve({
        instanceId: id,
        dryRun: false,
        actions: [{ kind: 'restart-container', target: 'auth', reason: '', done: true }],
        after: report(id, state.get(id) ?? 'ok'),
      });
    },
  };
  return { health, repairs };
}

function setup(opts: { repairFixes: boolean; autoRepair?: boolean; hold?: () => boolean }) {
  const registry = new FakeRegistry();
  registry.map.set('aaaaaa1', instance('aaaaaa1', 'degraded'));
  registry.map.set('bbbbbb2', instance('bbbbbb2', 'stopped'));
  const state = new Map<string, CheckStatus>([
    ['aaaaaa1', 'fail'],
    ['bbbbbb2', 'fail'],
  ]);
  const { health, repairs } = fakeHealth(state, opts.repairFixes);
  const events: AgentEvent[] = [];
  const audits: AuditInput[] = [];
  let now = 0;
  const scheduler = createDiagnosticScheduler({
    registry,
    health,
    emit: (e) => events.push(e),
    audit: (a) => audits.push(a),
    intervalMs: 60_000,
    autoRepair: opts.autoRepair ?? true,
    policy: { maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 10_000 },
    now: () => now,
    holdRepairs: opts.hold,
  });
  return {
    registry,
    state,
    repairs,
    events,
    audits,
    scheduler,
    advance: (ms: number) => (now += ms),
  };
}

describe('createDiagnosticScheduler', () => {
  it('repairs a failing running instance automatically and leaves stopped ones alone', async () => {
    const t = setup({ repairFixes: true });
    await t.scheduler.tick();
    expect(t.repairs.map((r) => r.id)).toEqual(['aaaaaa1']);
    expect(t.repairs[0]!.request).toMatchObject({ automatic: true, actor: 'agent', dryRun: false });
    const diagnosed = t.events.filter((e) => e.type === 'instance.diagnosed');
    expect(diagnosed.map((e) => e.type === 'instance.diagnosed' && e.changed)).toEqual([
      true,
      true,
    ]);
    expect(t.audits.map((a) => a.action)).toEqual([
      'instances.diagnose.change',
      'instances.diagnose.change',
    ]);
    // Unchanged diagnosis next round: pushed, not audited again.
    await t.scheduler.tick();
    expect(t.audits).toHaveLength(2);
    expect(t.events.at(-1)).toMatchObject({ type: 'instance.diagnosed', changed: false });
  });

  it('backs off, gives up after the cap with needsAttention, and clears it once healthy', async () => {
    const t = setup({ repairFixes: false });
    for (let round = 0; round < 12; round++) {
      await t.scheduler.tick();
      t.advance(700);
    }
    expect(t.repairs).toHaveLength(3);
    expect(t.registry.get('aaaaaa1')!.needsAttention).toBe(true);
    expect(t.audits.filter((a) => a.action === 'instances.repair.giveup')).toHaveLength(1);

    t.state.set('aaaaaa1', 'ok'); // a person fixed it
    await t.scheduler.tick();
    expect(t.registry.get('aaaaaa1')!.needsAttention).toBe(false);
  });

  it('only diagnoses when auto-repair is off', async () => {
    const t = setup({ repairFixes: true, autoRepair: false });
    await t.scheduler.tick();
    await t.scheduler.tick();
    expect(t.repairs).toEqual([]);
    expect(t.registry.get('aaaaaa1')!.needsAttention).toBeUndefined();
  });

  it('holds every repair while Docker is restarting containers itself, then repairs', async () => {
    let engineRestarting = true;
    const t = setup({ repairFixes: true, hold: () => engineRestarting });
    await t.scheduler.tick();
    await t.scheduler.tick();
    expect(t.repairs).toEqual([]);
    expect(t.events).toEqual([]);
    engineRestarting = false;
    await t.scheduler.tick();
    expect(t.repairs.map((r) => r.id)).toEqual(['aaaaaa1']);
  });
});
