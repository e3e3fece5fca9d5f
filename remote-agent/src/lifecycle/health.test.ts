import { describe, expect, it } from 'vitest';
import type { ServiceState } from '@protocol/types';
import { waitUntilHealthy } from './health';

const s = (
  service: string,
  state: string,
  health: ServiceState['health'],
  restarts = 0,
): ServiceState => ({
  service,
  state,
  health,
  restarts,
});

/** A scripted Docker: each look returns the next view; time advances one second per wait. */
function script(views: ServiceState[][]) {
  let i = 0;
  let clock = 0;
  return {
    read: async () => views[Math.min(i++, views.length - 1)]!,
    waitForChange: async (ms: number) => void (clock += Math.min(ms, 1_000)),
    now: () => clock,
  };
}

describe('waitUntilHealthy', () => {
  it('returns once every service is healthy or running without a healthcheck, announcing each once', async () => {
    const ready: string[] = [];
    const states = await waitUntilHealthy({
      ...script([
        [s('db', 'running', 'starting'), s('rest', 'created', 'none')],
        [s('db', 'running', 'healthy'), s('rest', 'created', 'none')],
        [s('db', 'running', 'healthy'), s('rest', 'running', 'none')],
      ]),
      timeoutMs: 60_000,
      onReady: (x) => ready.push(x.service),
    });
    expect(states.map((x) => x.service)).toEqual(['db', 'rest']);
    expect(ready).toEqual(['db', 'rest']);
  });

  it('fails with UNHEALTHY naming the service when the deadline passes on a failing healthcheck', async () => {
    await expect(
      waitUntilHealthy({
        ...script([[s('db', 'running', 'healthy'), s('auth', 'running', 'unhealthy')]]),
        timeoutMs: 5_000,
      }),
    ).rejects.toMatchObject({ code: 'UNHEALTHY', data: { service: 'auth' } });
  });

  it('fails with TIMEOUT when a service is still starting at the deadline', async () => {
    await expect(
      waitUntilHealthy({ ...script([[s('db', 'running', 'starting')]]), timeoutMs: 3_000 }),
    ).rejects.toMatchObject({ code: 'TIMEOUT', data: { service: 'db' } });
  });

  it('gives up early on a crash loop, counting only restarts during this wait', async () => {
    const err = await waitUntilHealthy({
      ...script([
        [s('db', 'running', 'healthy', 7), s('auth', 'restarting', 'none', 5)],
        [s('db', 'running', 'healthy', 7), s('auth', 'restarting', 'none', 6)],
        [s('db', 'running', 'healthy', 7), s('auth', 'restarting', 'none', 8)],
      ]),
      timeoutMs: 600_000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'START_FAILED', data: { service: 'auth' } });
  });
});
