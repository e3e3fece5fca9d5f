import { describe, expect, it } from 'vitest';
import type { Instance, InstanceStatus, ServiceState } from '@protocol/types';
import {
  checkOperation,
  InstanceLocks,
  isCrashLooping,
  isCrashLoopingNow,
  settledStatus,
  type Operation,
} from './state';

const s = (state: string, health: ServiceState['health'] = 'none', restarts = 0): ServiceState => ({
  service: 'x',
  state,
  health,
  restarts,
});

const inStatus = (status: InstanceStatus) => ({ status }) as Instance;
const codeOf = (status: InstanceStatus, op: Operation) => {
  try {
    checkOperation(inStatus(status), op);
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('instance status rules', () => {
  it('counts a crash loop from the restarts seen since we started looking', () => {
    expect(isCrashLooping(s('running', 'starting', 3))).toBe(true);
    expect(isCrashLooping(s('running', 'starting', 5), 4)).toBe(false);
    expect(isCrashLooping(s('dead'))).toBe(true);
    // Ready is never a crash loop, whatever happened before.
    expect(isCrashLooping(s('running', 'healthy', 9))).toBe(false);
    // On a snapshot (diagnosis, repair plan): restarting now, or restarted often, and not ready.
    expect(isCrashLoopingNow(s('restarting'))).toBe(true);
    expect(isCrashLoopingNow(s('exited', 'none', 3))).toBe(true);
    expect(isCrashLoopingNow(s('exited', 'none', 2))).toBe(false);
    expect(isCrashLoopingNow(s('running', 'healthy', 9))).toBe(false);
  });

  it('says what Docker shows after an operation: ready, partly up, or down', () => {
    expect(settledStatus([s('running', 'healthy'), s('running')])).toBe('running');
    expect(settledStatus([s('running', 'healthy'), s('exited')])).toBe('degraded');
    expect(settledStatus([s('exited')])).toBe('stopped');
    expect(settledStatus([], 'running')).toBe('running');
  });

  it('lets start/stop/restart/repair run only on a created-and-existing stack', () => {
    for (const op of ['start', 'stop', 'restart', 'repair'] as const) {
      for (const ok of ['running', 'degraded', 'stopped'] as const)
        expect(codeOf(ok, op)).toBe('ok');
      for (const busy of [
        'queued',
        'creating',
        'starting',
        'stopping',
        'restarting',
        'deleting',
      ] as const) {
        expect(codeOf(busy, op)).toBe('BUSY');
      }
      expect(codeOf('created', op)).toBe('INVALID_STATE');
      expect(codeOf('failed', op)).toBe('INVALID_STATE');
    }
    expect(codeOf('failed', 'delete')).toBe('ok');
  });
});

describe('InstanceLocks', () => {
  it('refuses a second operation with BUSY, naming the one in progress', async () => {
    const locks = new InstanceLocks();
    let release!: () => void;
    const repair = locks.run('a', 'repair', () => new Promise<void>((r) => (release = r)));
    await expect(locks.run('a', 'restart', async () => 'x')).rejects.toMatchObject({
      code: 'BUSY',
      data: { operation: 'repair' },
    });
    expect(await locks.run('b', 'restart', async () => 'other instances are free')).toBe(
      'other instances are free',
    );
    release();
    await repair;
    expect(await locks.run('a', 'restart', async () => 'after')).toBe('after');
  });

  it('frees the lock in the tick the final status is written, and a stale release frees nothing', async () => {
    const locks = new InstanceLocks();
    const first = locks.acquire('a', 'create');
    let busyDuringWrite: boolean | undefined;
    await first.finish(async () => {
      busyDuringWrite = locks.isBusy('a');
    });
    expect(busyDuringWrite).toBe(false);
    const second = locks.acquire('a', 'start');
    first.release(); // the creation's finally: must not free the start's lock
    expect(locks.holder('a')).toBe('start');
    second.release();
    expect(locks.isBusy('a')).toBe(false);
  });
});
