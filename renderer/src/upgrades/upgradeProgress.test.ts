import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@contract/api';
import { upgradeProgress } from './upgradeProgress';

let seq = 0;
const ev = (step: string, status: string, message?: string) =>
  ({
    instanceId: 'p1',
    seq: ++seq,
    at: '2026-12-02T10:00:00Z',
    step,
    status,
    ...(message ? { message } : {}),
  }) as ProgressEvent;

describe('upgradeProgress', () => {
  it('is empty before anything happened', () => {
    expect(upgradeProgress([])).toEqual({ fraction: 0, rollingBack: false });
  });

  it('counts a started step half and a finished one whole, with the last message', () => {
    const p = upgradeProgress([
      ev('backup', 'started'),
      ev('backup', 'done', 'Backup b1 taken.'),
      ev('pull', 'started'),
      ev('pull', 'progress', 'supabase/gotrue:v2.189.0'),
    ]);
    expect(p).toEqual({
      fraction: 1.5 / 5,
      step: 'pull',
      message: 'supabase/gotrue:v2.189.0',
      rollingBack: false,
    });
    expect(
      upgradeProgress([ev('backup', 'started'), ev('health', 'done', 'Now on release B.')])
        .fraction,
    ).toBe(1);
  });

  it('ignores what came before the upgrade’s backup step (the creation’s story)', () => {
    expect(upgradeProgress([ev('pull', 'done'), ev('health', 'done')]).fraction).toBe(0);
  });

  it('says when the upgrade is rolling back, without moving the bar back', () => {
    const p = upgradeProgress([
      ev('backup', 'started'),
      ev('start', 'done'),
      ev('health', 'started'),
      ev('rollback', 'started'),
    ]);
    expect(p).toMatchObject({ step: 'rollback', rollingBack: true, fraction: 4.5 / 5 });
  });
});
