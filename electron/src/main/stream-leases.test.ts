import { describe, expect, it } from 'vitest';
import { DESKTOP_METHODS } from '@contract/api';
import type { DesktopHandlers } from './ipc-wrapper';
import { StreamLeases, withStreamLeases } from './stream-leases';
import { createShutdown } from './shutdown';

function fakeCore(closed: string[]): DesktopHandlers {
  const core: Record<string, unknown> = {};
  for (const method of DESKTOP_METHODS) core[method] = async () => method;
  let next = 0;
  core.followLogs = async () => ({ stream: `st${++next}` });
  core.closeStream = async (stream: string) => {
    closed.push(stream);
  };
  return core as unknown as DesktopHandlers;
}

describe('stream leases', () => {
  it('closes the streams a page left open, and only those', async () => {
    const closed: string[] = [];
    const core = fakeCore(closed);
    const leases = new StreamLeases((s) => core.closeStream(s));
    const handlers = withStreamLeases(core, leases);
    await handlers.followLogs('s1', 'i1');
    await handlers.followLogs('s1', 'i2');
    await handlers.followLogs('s1', 'i3');
    await handlers.closeStream('st1');
    leases.observe({ type: 'stream.end', stream: 'st2' });
    expect(leases.size).toBe(1);
    await leases.releaseAll();
    expect(closed).toEqual(['st1', 'st3']);
    await leases.releaseAll();
    expect(closed).toEqual(['st1', 'st3']);
  });

  it('forwards every other method to the core unchanged', async () => {
    const core = fakeCore([]);
    const handlers = withStreamLeases(core, new StreamLeases(async () => {}));
    expect(Object.keys(handlers).sort()).toEqual([...DESKTOP_METHODS].sort());
    await expect(handlers.ackStream('st1', 10)).resolves.toBe('ackStream');
  });

  it('ignores streams that fail to close (already gone)', async () => {
    const leases = new StreamLeases(async () => {
      throw new Error('gone');
    });
    leases.add('x');
    await expect(leases.releaseAll()).resolves.toBeUndefined();
  });
});

describe('createShutdown', () => {
  it('closes the core exactly once however often quitting is asked', async () => {
    let closes = 0;
    const shutdown = createShutdown(async () => {
      closes += 1;
    }, 1000);
    const outcomes = await Promise.all([shutdown(), shutdown(), shutdown()]);
    expect(outcomes).toEqual(['closed', 'closed', 'closed']);
    expect(closes).toBe(1);
  });

  it('gives up waiting for a core that never finishes closing', async () => {
    let fire: (() => void) | undefined;
    const shutdown = createShutdown(() => new Promise<void>(() => {}), 8000, {
      setTimeout: (fn) => {
        fire = fn;
        return 1;
      },
      clearTimeout: () => {},
    });
    const outcome = shutdown();
    fire?.();
    await expect(outcome).resolves.toBe('timed-out');
  });

  it('still quits when closing throws', async () => {
    const shutdown = createShutdown(() => {
      throw new Error('boom');
    }, 1000);
    await expect(shutdown()).resolves.toBe('failed');
  });
});
