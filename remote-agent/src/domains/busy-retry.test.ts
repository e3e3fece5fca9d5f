import { describe, expect, it } from 'vitest';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import { retryWhileBusy } from './busy-retry';

function clock() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}
const busy = () =>
  new AgentError(ErrorCode.BUSY, 'busy (backup in progress)', { operation: 'backup' });

describe('a domain change waits for another operation on the project', () => {
  it('tries again until the project is free, and says once that it waits', async () => {
    let calls = 0;
    const waits: (string | undefined)[] = [];
    const result = await retryWhileBusy(
      async () => {
        calls += 1;
        if (calls < 4) throw busy();
        return 'switched';
      },
      { waitMs: 60_000, pollMs: 2_000, ...clock(), onWait: (op) => waits.push(op) },
    );
    expect(result).toBe('switched');
    expect(calls).toBe(4);
    expect(waits).toEqual(['backup']);
  });

  it('gives up after the wait with BUSY naming the operation and saying nothing changed', async () => {
    let calls = 0;
    const error = await retryWhileBusy(
      async () => {
        calls += 1;
        throw busy();
      },
      { waitMs: 10_000, pollMs: 2_000, ...clock() },
    ).catch((e: unknown) => e as AgentError);
    expect(error.code).toBe('BUSY');
    expect(error.data).toMatchObject({ operation: 'backup', waitedMs: 10_000 });
    expect(error.message).toMatch(/\(backup\).*nothing changed/);
    expect(calls).toBe(6);
  });

  it('passes any other error through at once', async () => {
    let calls = 0;
    await expect(
      retryWhileBusy(
        async () => {
          calls += 1;
          throw new AgentError(ErrorCode.APPLY_FAILED, 'unhealthy');
        },
        { waitMs: 10_000, pollMs: 2_000, ...clock() },
      ),
    ).rejects.toMatchObject({ code: 'APPLY_FAILED' });
    expect(calls).toBe(1);
  });
});
