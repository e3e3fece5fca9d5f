import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '@protocol/alerts';
import type { Instance } from '@protocol/types';
import { AlertDetector } from './detector';
import { defaultSettings } from './stores';
import { instance } from './test-fakes';
import type { QueueFile } from './types';

function rig(list: Instance[] = []) {
  const instances = new Map(list.map((i) => [i.id, i]));
  const queue: QueueFile = {
    version: 1,
    outbox: [],
    seen: {},
    incidents: {},
    hostAlarms: {},
    sent: {},
    running: false,
  };
  const events: AlertEvent[] = [];
  let now = Date.parse('2026-12-02T03:00:00Z');
  const detector = new AlertDetector({
    instances: () => [...instances.values()],
    settings: () => ({ ...defaultSettings(), downAfterSeconds: 120 }),
    now: () => now,
    commit: (change) => {
      events.push(...change(queue));
      return Promise.resolve();
    },
  });
  const change = (i: Instance) => {
    instances.set(i.id, i);
    return detector.onEvent({ type: 'instance.changed', instance: i });
  };
  return { detector, queue, events, change, advance: (ms: number) => (now += ms) };
}

const kinds = (events: AlertEvent[]) => events.map((e) => e.kind);

describe('alert detector', () => {
  it('"down" only after the project stayed degraded for the set time; a short blip says nothing', async () => {
    const r = rig([instance('aaaaaa', 'running')]);
    await r.detector.start(false);
    await r.change(instance('aaaaaa', 'degraded'));
    r.advance(60_000);
    await r.detector.tick();
    await r.change(instance('aaaaaa', 'running'));
    expect(r.events).toEqual([]);
    await r.change(instance('aaaaaa', 'degraded'));
    r.advance(121_000);
    await r.detector.tick();
    await r.detector.tick();
    expect(kinds(r.events)).toEqual(['project.down']);
    expect(r.events[0]!.since).toBe('2026-12-02T03:01:00.000Z');
  });

  it('needsAttention, a failed creation and a crash before this start each make one event', async () => {
    const r = rig([instance('bbbbbb', 'creating'), instance('cccccc', 'degraded')]);
    await r.detector.start(true);
    await r.change({
      ...instance('bbbbbb', 'failed'),
      error: { code: 'PULL_FAILED', reason: 'no image', at: '' },
    });
    await r.change({ ...instance('cccccc', 'degraded'), needsAttention: true });
    await r.change({ ...instance('cccccc', 'degraded'), needsAttention: true });
    expect(kinds(r.events)).toEqual([
      'agent.restarted',
      'creation.failed',
      'project.needs-attention',
    ]);
    expect(r.events[1]!.detail).toBe('PULL_FAILED: no image');
    expect(r.queue.running).toBe(true);
  });

  it('a project that came back while the agent was down gets its "recovered" at start', async () => {
    const r = rig([instance('dddddd', 'running')]);
    r.queue.incidents.dddddd = { since: '2026-12-02T02:00:00.000Z', notified: true, tried: [] };
    await r.detector.start(false);
    expect(kinds(r.events)).toEqual(['project.recovered']);
    expect(r.events[0]!.facts).toEqual({ downtimeSeconds: 3600 });
    expect(r.queue.incidents).toEqual({});
  });

  it('disk and memory alarms fire once under the threshold and re-arm above it', async () => {
    const r = rig();
    const host = (diskFreeMb: number) => ({
      memoryTotalMb: 1000,
      memoryAvailableMb: 30,
      diskTotalMb: 1000,
      diskFreeMb,
      load1: 0,
      cpus: 1,
    });
    await r.detector.checkHost(host(50));
    await r.detector.checkHost(host(50));
    expect(kinds(r.events)).toEqual(['host.disk', 'host.memory']);
    expect(r.events[0]!.facts).toMatchObject({ freePercent: 5 });
    await r.detector.checkHost(host(105)); // above 10 % but inside the hysteresis
    r.advance(1000);
    await r.detector.checkHost(host(50));
    expect(r.events).toHaveLength(2);
    await r.detector.checkHost(host(500));
    r.advance(1000);
    await r.detector.checkHost(host(50));
    expect(kinds(r.events)).toEqual(['host.disk', 'host.memory', 'host.disk']);
  });
});
