import { describe, expect, it } from 'vitest';
import { decide, type Incident, type RepairPolicy } from './incidents';

const policy: RepairPolicy = { maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 3_000 };

describe('decide', () => {
  it('repairs at once, backs off exponentially, then gives up once and stays quiet', () => {
    let incident: Incident | undefined;
    const at = (now: number) => {
      const r = decide(incident, 'fail', now, policy);
      incident = r.incident;
      return r.decision.kind;
    };
    expect(at(0)).toBe('repair'); // attempt 1, next after 1 s
    expect(at(500)).toBe('wait');
    expect(at(1_000)).toBe('repair'); // attempt 2, next after 2 s
    expect(at(2_500)).toBe('wait');
    expect(at(3_000)).toBe('repair'); // attempt 3
    expect(incident!.attempts).toBe(3);
    expect(at(100_000)).toBe('give-up');
    expect(at(200_000)).toBe('given-up');
    expect(at(300_000)).toBe('given-up');
  });

  it('caps the backoff', () => {
    const big: RepairPolicy = { maxAttempts: 10, backoffBaseMs: 1_000, backoffMaxMs: 3_000 };
    let incident: Incident | undefined;
    for (let i = 0; i < 5; i++) incident = decide(incident, 'fail', i * 10_000, big).incident;
    expect(incident!.nextAttemptAt - 40_000).toBe(3_000);
  });

  it('closes the incident on a clean or warning report; warnings never repair', () => {
    const open = decide(undefined, 'fail', 0, policy).incident;
    const r = decide(open, 'warn', 10, policy);
    expect(r.decision).toEqual({ kind: 'healthy', resolved: open });
    expect(r.incident).toBeUndefined();
    expect(decide(undefined, 'warn', 0, policy).decision.kind).toBe('healthy');
    expect(decide(r.incident, 'fail', 20, policy).decision.kind).toBe('repair');
  });
});
