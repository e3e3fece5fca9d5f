import { describe, expect, it } from 'vitest';
import { DockerError } from './docker-error';
import { withRetry } from './retry';

const transient = () => new DockerError('PULL_FAILED', 'TLS handshake timeout', {}, true);

describe('withRetry', () => {
  it('retries transient failures with doubling delays and reports each attempt', async () => {
    const delays: number[] = [];
    const attempts: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw transient();
        return 'ok';
      },
      {
        attempts: 4,
        baseDelayMs: 100,
        sleep: async (ms) => void delays.push(ms),
        onRetry: (attempt) => attempts.push(attempt),
      },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([100, 200]);
    expect(attempts).toEqual([2, 3]);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw transient();
        },
        { attempts: 3, baseDelayMs: 1, sleep: async () => {} },
      ),
    ).rejects.toMatchObject({ code: 'PULL_FAILED' });
    expect(calls).toBe(3);
  });

  it('does not retry what waiting cannot fix', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new DockerError('PULL_FAILED', 'manifest unknown');
        },
        { attempts: 5, baseDelayMs: 1, sleep: async () => {} },
      ),
    ).rejects.toThrow('manifest unknown');
    expect(calls).toBe(1);
  });
});
