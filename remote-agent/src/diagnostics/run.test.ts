import { describe, expect, it } from 'vitest';
import { runChecks, worstStatus, type CheckSpec } from './run';

const never = (signal: AbortSignal, aborted: { value: boolean }) =>
  new Promise<never>(() => {
    signal.addEventListener('abort', () => (aborted.value = true));
  });

describe('runChecks', () => {
  it('turns a hanging check into a failure at its deadline, aborting it, while others report', async () => {
    const aborted = { value: false };
    const specs: CheckSpec[] = [
      { id: 'hang', title: 'Hangs', run: (signal) => never(signal, aborted) },
      { id: 'fine', title: 'Fine', run: () => Promise.resolve({ status: 'ok', evidence: 'yes' }) },
      {
        id: 'broken',
        title: 'Throws',
        run: () => Promise.reject(new Error('socket closed')),
      },
    ];
    const checks = await runChecks(specs, { timeoutMs: 150 });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['hang', 'fail'],
      ['fine', 'ok'],
      ['broken', 'fail'],
    ]);
    expect(checks[0]!.evidence).toMatch(/No answer within 0.1 s|No answer within 0.2 s/);
    expect(checks[0]!.fix).toBeDefined();
    expect(checks[2]!.evidence).toContain('socket closed');
    expect(aborted.value).toBe(true);
  });

  it('keeps fixes only on checks that are not ok', async () => {
    const checks = await runChecks(
      [
        {
          id: 'a',
          title: 'A',
          run: () => Promise.resolve({ status: 'ok', evidence: '', fix: 'x' }),
        },
        {
          id: 'b',
          title: 'B',
          run: () => Promise.resolve({ status: 'warn', evidence: '', fix: 'y' }),
        },
      ],
      { timeoutMs: 1_000 },
    );
    expect(checks[0]!.fix).toBeUndefined();
    expect(checks[1]!.fix).toBe('y');
  });

  it('ranks statuses', () => {
    expect(worstStatus([])).toBe('ok');
    expect(worstStatus(['ok', 'warn', 'ok'])).toBe('warn');
    expect(worstStatus(['warn', 'fail', 'ok'])).toBe('fail');
  });
});
