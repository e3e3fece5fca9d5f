import { describe, expect, it } from 'vitest';
import type { AlertEvent, DeliveryLogEntry } from '@protocol/alerts';
import { Deliverer } from './delivery';
import type { JsonFile } from './json-file';
import { accept } from './outbox';
import { defaultSettings } from './stores';
import type { QueueFile, StoredChannel } from './types';
import type { Outgoing } from './channels/send';

/** The deliverer driven by hand: a fake clock, in-memory files, a recording sender. */
function rig(channel: StoredChannel, over: { failing?: boolean } = {}) {
  let now = Date.parse('2026-12-02T12:00:00Z');
  const queue = {
    value: {
      version: 1,
      outbox: [],
      seen: {},
      incidents: {},
      hostAlarms: {},
      sent: {},
      running: true,
    },
    save: () => Promise.resolve(),
  } as unknown as JsonFile<QueueFile>;
  const log = {
    value: { version: 1, entries: [] as DeliveryLogEntry[] },
    save: () => Promise.resolve(),
  } as unknown as JsonFile<{ version: 1; entries: DeliveryLogEntry[] }>;
  const sent: Outgoing[] = [];
  const state = { failing: over.failing ?? false };
  const settings = {
    ...defaultSettings(),
    groupWindowSeconds: 0,
    retryBaseSeconds: 5,
    retryMaxSeconds: 60,
  };
  const deliverer = new Deliverer({
    queue,
    log,
    channel: (id) => (id === channel.id ? channel : undefined),
    settings: () => settings,
    send: (_c, out) =>
      state.failing ? Promise.reject(new Error('HTTP 503')) : (sent.push(out), Promise.resolve()),
    now: () => now,
    exclusive: (fn) => fn(),
    onError: (e) => {
      throw e;
    },
  });
  const add = (...events: AlertEvent[]) =>
    accept(queue.value, events, {
      now,
      groupWindowMs: 0,
      route: () => [channel.id],
      isSending: (i) => deliverer.isSending(i),
    });
  return {
    queue,
    log,
    sent,
    state,
    settings,
    deliverer,
    add,
    advance: (ms: number) => (now += ms),
    at: (iso: string) => (now = Date.parse(iso)),
  };
}

const hook = (over: Partial<StoredChannel> = {}): StoredChannel => ({
  id: 'hook',
  name: 'hook',
  enabled: true,
  config: { type: 'webhook', url: 'http://127.0.0.1:9/', secret: 'secret-1' },
  ...over,
});
let n = 0;
const ev = (kind: AlertEvent['kind'], project = `p${++n}`): AlertEvent => ({
  kind,
  key: `${kind}:${project}:${n}`,
  at: '2026-12-02T12:00:00Z',
  project,
});

describe('alert delivery', () => {
  it('retries with backoff and logs each failure, then sends once', async () => {
    const r = rig(hook(), { failing: true });
    r.add(ev('project.down'));
    await r.deliverer.pass();
    expect(r.queue.value.outbox[0]).toMatchObject({ attempts: 1, lastError: 'HTTP 503' });
    await r.deliverer.pass(); // not due yet: nothing happens
    expect(r.log.value.entries).toHaveLength(1);
    r.advance(5_000);
    await r.deliverer.pass();
    expect(r.queue.value.outbox[0]!.attempts).toBe(2);
    r.advance(9_999);
    await r.deliverer.pass();
    expect(r.queue.value.outbox[0]!.attempts).toBe(2); // the second wait is 10 s
    r.state.failing = false;
    r.advance(1);
    await r.deliverer.pass();
    expect(r.sent).toHaveLength(1);
    expect(r.queue.value.outbox).toEqual([]);
    expect(r.log.value.entries.map((e) => [e.result, e.attempt])).toEqual([
      ['failed', 1],
      ['failed', 2],
      ['sent', 3],
    ]);
  });

  it('drops a message it could not deliver for longer than the give-up time', async () => {
    const r = rig(hook(), { failing: true });
    r.add(ev('project.down'));
    r.advance(25 * 3_600_000);
    await r.deliverer.pass();
    expect(r.queue.value.outbox).toEqual([]);
    expect(r.log.value.entries.map((e) => e.result)).toEqual(['dropped']);
  });

  it('quiet hours hold non-critical alerts (grouping what comes meanwhile), critical ones go', async () => {
    const r = rig(hook({ quietHours: { from: '22:00', to: '07:00', timeZone: 'UTC' } }));
    r.at('2026-12-02T23:00:00Z');
    r.add(ev('project.recovered'));
    await r.deliverer.pass();
    expect(r.sent).toHaveLength(0);
    expect(new Date(r.queue.value.outbox[0]!.nextAttemptAt).toISOString()).toBe(
      '2026-12-03T07:00:00.000Z',
    );
    r.add(ev('repair.done'));
    r.add(ev('creation.failed'));
    expect(r.queue.value.outbox).toHaveLength(1);
    r.at('2026-12-03T03:00:00Z');
    // A critical event joins the waiting message, which then goes at once.
    r.add(ev('project.down'));
    await r.deliverer.pass();
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]!.events.map((e) => e.kind)).toEqual([
      'project.recovered',
      'repair.done',
      'creation.failed',
      'project.down',
    ]);
  });

  it('the rate limit holds the next message and groups what arrives meanwhile', async () => {
    const r = rig(hook({ maxPerHour: 2 }));
    for (let i = 0; i < 2; i++) {
      r.add(ev('project.down'));
      await r.deliverer.pass();
      r.advance(60_000);
    }
    expect(r.sent).toHaveLength(2);
    for (let i = 0; i < 5; i++) {
      r.add(ev('project.down'));
      await r.deliverer.pass();
      r.advance(60_000);
    }
    expect(r.sent).toHaveLength(2);
    expect(r.queue.value.outbox).toHaveLength(1);
    expect(r.queue.value.outbox[0]!.events).toHaveLength(5);
    r.advance(3_600_000);
    await r.deliverer.pass();
    expect(r.sent).toHaveLength(3);
    expect(r.sent[2]!.message.title).toBe('5 projects are down');
  });

  it('a removed channel drops its waiting message, with a log line', async () => {
    const r = rig(hook({ enabled: false }));
    r.add({ ...ev('project.down') });
    // accept routes by the fake route (the channel is off): the deliverer must not send it.
    await r.deliverer.pass();
    expect(r.sent).toEqual([]);
    expect(r.log.value.entries.map((e) => e.result)).toEqual(['dropped']);
  });
});
