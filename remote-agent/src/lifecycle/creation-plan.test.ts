import { describe, expect, it } from 'vitest';
import { executeCreation, type CreationStep, type CreationStepName } from './creation-plan';

function steps(log: string[], failAt?: CreationStepName, failRollback?: CreationStepName) {
  const names: CreationStepName[] = ['resources', 'docker', 'pull', 'start', 'health'];
  return names.map((name): CreationStep<null> => ({
    name,
    run: async () => {
      log.push(`run ${name}`);
      if (name === failAt) throw new Error(`${name} broke`);
    },
    ...(name === 'pull' || name === 'start'
      ? {
          rollback: async () => {
            log.push(`undo ${name}`);
            if (name === failRollback) throw new Error('undo broke');
          },
        }
      : {}),
  }));
}

describe('executeCreation', () => {
  it('runs every step in order when nothing fails', async () => {
    const log: string[] = [];
    expect(await executeCreation(steps(log), null)).toEqual({ ok: true });
    expect(log).toEqual(['run resources', 'run docker', 'run pull', 'run start', 'run health']);
  });

  it('undoes the failed step and every earlier one, newest first, and stops there', async () => {
    const log: string[] = [];
    const out = await executeCreation(steps(log, 'health'), null);
    expect(out).toMatchObject({ ok: false, step: 'health', rolledBack: ['start', 'pull'] });
    expect(log.slice(-2)).toEqual(['undo start', 'undo pull']);
  });

  it('undoes a step that failed half-way (its rollback runs too)', async () => {
    const log: string[] = [];
    const out = await executeCreation(steps(log, 'start'), null);
    expect(out).toMatchObject({ ok: false, step: 'start', rolledBack: ['start', 'pull'] });
  });

  it('undoes nothing when an early step fails, and never runs later steps', async () => {
    const log: string[] = [];
    const out = await executeCreation(steps(log, 'docker'), null);
    expect(out).toMatchObject({ ok: false, step: 'docker', rolledBack: [] });
    expect(log).toEqual(['run resources', 'run docker']);
  });

  it('keeps rolling back after a rollback error, and reports the first one', async () => {
    const log: string[] = [];
    const out = await executeCreation(steps(log, 'health', 'start'), null);
    expect(out).toMatchObject({ ok: false, rolledBack: ['start', 'pull'] });
    expect(log).toContain('undo pull');
    expect(out.ok === false && (out.rollbackError as Error).message).toBe('undo broke');
  });

  it('stops at the next step boundary once cancelled, and rolls back like a failure', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const plan = steps(log).map((step) =>
      step.name === 'start'
        ? { ...step, run: async () => (log.push('run start'), controller.abort(new Error('stop'))) }
        : step,
    );
    const out = await executeCreation(plan, null, { signal: controller.signal });
    expect(out).toMatchObject({ ok: false, step: 'start', rolledBack: ['start', 'pull'] });
    expect(out.ok === false && (out.error as Error).message).toBe('stop');
    expect(log).not.toContain('run health');
  });
});
