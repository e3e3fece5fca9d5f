import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@contract/api';
import { mergeProgress } from './createSlice';
import { summarizeProgress } from './progressSummary';

let seq = 0;
const ev = (e: Partial<ProgressEvent> & Pick<ProgressEvent, 'step' | 'status'>): ProgressEvent => ({
  instanceId: 'i1',
  seq: ++seq,
  at: '2026-01-01T00:00:00Z',
  ...e,
});

describe('summarizeProgress', () => {
  it('marks earlier steps done once a later step starts, and tracks pulls and health', () => {
    const s = summarizeProgress([
      ev({ step: 'queued', status: 'started', queuePosition: 2 }),
      ev({ step: 'pull', status: 'progress', image: 'supabase/postgres', percent: 40.4 }),
      ev({ step: 'pull', status: 'progress', image: 'kong', percent: 100 }),
      ev({ step: 'health', status: 'progress', service: 'db', health: 'healthy' }),
    ]);
    const state = Object.fromEntries(s.steps.map((x) => [x.step, x.state]));
    expect(state).toMatchObject({
      queued: 'done',
      ports: 'done',
      pull: 'done',
      health: 'active',
      done: 'pending',
    });
    expect(s.images).toEqual([
      { image: 'supabase/postgres', percent: 40 },
      { image: 'kong', percent: 100 },
    ]);
    expect(s.services).toEqual([{ service: 'db', health: 'healthy' }]);
    expect(s.queuePosition).toBe(2);
    expect(s.finished).toBe(false);
  });

  it('reports success only when the done step finishes', () => {
    const s = summarizeProgress([
      ev({ step: 'health', status: 'done' }),
      ev({ step: 'done', status: 'done' }),
    ]);
    expect(s.succeeded).toBe(true);
    expect(s.finished).toBe(true);
    expect(s.steps.every((x) => x.state === 'done')).toBe(true);
  });

  it('keeps the failing step and its reason', () => {
    const s = summarizeProgress([
      ev({ step: 'start', status: 'started' }),
      ev({
        step: 'start',
        status: 'failed',
        error: { code: 'START_FAILED', message: 'kong exited 1' },
      }),
      ev({ step: 'rollback', status: 'done' }),
    ]);
    expect(s.steps.find((x) => x.step === 'start')?.state).toBe('failed');
    expect(s.failure).toEqual({ code: 'START_FAILED', message: 'kong exited 1' });
    expect(s.finished).toBe(true);
    expect(s.succeeded).toBe(false);
  });
});

describe('mergeProgress', () => {
  it('drops replayed duplicates and keeps seq order', () => {
    const a = ev({ step: 'queued', status: 'started' });
    const b = ev({ step: 'validate', status: 'done' });
    const c = ev({ step: 'ports', status: 'done' });
    let list = mergeProgress([], c);
    list = mergeProgress(list, a);
    list = mergeProgress(list, b);
    list = mergeProgress(list, b);
    expect(list.map((e) => e.seq)).toEqual([a.seq, b.seq, c.seq]);
  });
});
