import { cp } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertSettings } from '@protocol/alerts';
import type { AlertService } from './service';
import { FakeWorld, instance, tempDir, waitFor, webhookChannel } from './test-fakes';
import type { StoredChannel } from './types';

const FAST: Partial<AlertSettings> = {
  downAfterSeconds: 0,
  groupWindowSeconds: 0,
  retryBaseSeconds: 1,
  retryMaxSeconds: 1,
  serverName: 'vps-1',
};
const mail: StoredChannel = {
  id: 'mail',
  name: 'Ops mail',
  enabled: true,
  config: {
    type: 'email',
    host: '127.0.0.1',
    port: 25,
    tls: 'none',
    from: 'agent@example.test',
    to: ['ops@example.test'],
  },
};

const running: AlertService[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

async function setup(
  world: FakeWorld,
  settings: Partial<AlertSettings> = FAST,
  channels: StoredChannel[] = [mail, webhookChannel('hook')],
  dir?: string,
) {
  const dataDir = dir ?? (await tempDir());
  const alerts = await world.start(dataDir);
  running.push(alerts);
  alerts.stores.config.value = { version: 1, channels, settings };
  await alerts.stores.config.save();
  return { alerts, dataDir };
}

const kindsSent = (world: FakeWorld, type: string) =>
  world.sent.filter((s) => s.channel.type === type).map((s) => s.out.events.map((e) => e.kind));

describe('alerts from the agent’s own events', () => {
  it('a degraded project gives one "down" per channel, and one "recovered" when it runs again', async () => {
    const world = new FakeWorld();
    world.instances.set('aaaaaa', instance('aaaaaa', 'running', 'shop'));
    await setup(world);
    world.set({
      ...instance('aaaaaa', 'degraded', 'shop'),
      services: [{ service: 'db', state: 'exited', health: 'none', restarts: 0, exitCode: 137 }],
    });
    await waitFor(() => world.sent.length === 2);
    // More degraded noise about the same incident is not another message.
    world.set(instance('aaaaaa', 'degraded', 'shop'));
    world.bus.emit({
      type: 'instance.repaired',
      instanceId: 'aaaaaa',
      automatic: true,
      result: {
        instanceId: 'aaaaaa',
        dryRun: false,
        actions: [{ kind: 'start-stack', target: 'db', reason: 'down', done: true }],
        after: { instanceId: 'aaaaaa', at: 'x', status: 'ok', checks: [], durationMs: 1 },
      },
    });
    world.set(instance('aaaaaa', 'running', 'shop'));
    await waitFor(() => world.sent.length === 4);
    await new Promise((r) => setTimeout(r, 200));
    expect(kindsSent(world, 'email')).toEqual([['project.down'], ['project.recovered']]);
    expect(kindsSent(world, 'webhook')).toEqual([['project.down'], ['project.recovered']]);
    const downText = world.sent[0]!.out.message.text;
    expect(downText).toContain('Project shop is down');
    expect(downText).toContain('db: exited (137)');
    expect(downText).toContain('Next step');
    const recovered = world.sent.find((s) => s.out.events[0]!.kind === 'project.recovered')!;
    expect(recovered.out.message.text).toContain('start-stack db');
  });

  it('20 projects degraded at once make one grouped message per channel', async () => {
    const world = new FakeWorld();
    const { alerts } = await setup(world, { ...FAST, groupWindowSeconds: 1 });
    for (let n = 0; n < 20; n++)
      world.set(instance(`proj${String(n).padStart(2, '0')}`, 'degraded'));
    await waitFor(() => world.sent.length >= 2, 8_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(world.sent).toHaveLength(2);
    for (const s of world.sent) {
      expect(s.out.events).toHaveLength(20);
      expect(s.out.message.title).toBe('20 projects are down');
    }
    const log = alerts.stores.log.value.entries;
    expect(log.map((e) => e.result)).toEqual(['sent', 'sent']);
  });

  it('keeps a notification through a receiver outage and a kill -9, and delivers it once', async () => {
    const world = new FakeWorld();
    world.failing = true;
    const { alerts, dataDir } = await setup(world, FAST, [webhookChannel('hook')]);
    world.set(instance('bbbbbb', 'degraded', 'blog'));
    await waitFor(() => alerts.stores.log.value.entries.some((e) => e.result === 'failed'));
    await alerts.stores.queue.save(); // the failure is on disk, as the log line implies
    // A snapshot of the files at this instant is what a kill -9 leaves behind.
    const crashed = await tempDir();
    // (Temp files of a write in flight are what a crash leaves too; the agent removes them.)
    await cp(dataDir, crashed, {
      recursive: true,
      filter: (src) => !src.includes('.tmp-'),
    });
    await alerts.deliverer.stop();
    world.failing = false;
    const revived = new FakeWorld();
    revived.instances.set('bbbbbb', instance('bbbbbb', 'degraded', 'blog'));
    const { alerts: again } = await setup(revived, FAST, [webhookChannel('hook')], crashed);
    await waitFor(() => revived.sent.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    const kinds = revived.sent.map((s) => s.out.events.map((e) => e.kind));
    // The down notification, once, with its original delivery id; and, separately, the crash.
    expect(kinds.filter((k) => k.includes('project.down'))).toEqual([['project.down']]);
    expect(kinds.filter((k) => k.includes('agent.restarted'))).toEqual([['agent.restarted']]);
    const downLog = again.stores.log.value.entries.find(
      (e) => e.result === 'sent' && e.kinds.includes('project.down'),
    )!;
    expect(downLog.attempt).toBeGreaterThan(1);
    const failedId = alerts.stores.log.value.entries.find((e) => e.result === 'failed')!.deliveryId;
    expect(downLog.deliveryId).toBe(failedId);
    expect(world.sent).toEqual([]);
  });

  it('other parts of the agent notify through it (backups, upgrades, certificates)', async () => {
    const world = new FakeWorld();
    const { alerts } = await setup(world);
    const event = {
      kind: 'backup.failed' as const,
      key: 'backup.failed:aaaaaa:2026-12-02',
      instanceId: 'aaaaaa',
      project: 'shop',
      detail: 'restic: repository is locked',
    };
    await alerts.notify(event);
    await alerts.notify(event); // the same key twice is one notification
    await waitFor(() => world.sent.length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(world.sent.map((s) => s.channel.type).sort()).toEqual(['email', 'webhook']);
    expect(world.sent[0]!.out.message.title).toBe('The backup of shop failed');
  });
});
