import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '@protocol/alerts';
import { accept } from './outbox';
import type { QueueFile } from './types';

const empty = (): QueueFile => ({
  version: 1,
  outbox: [],
  seen: {},
  incidents: {},
  hostAlarms: {},
  sent: {},
  running: true,
});
const down = (n: number): AlertEvent => ({
  kind: 'project.down',
  key: `down:p${n}:t0`,
  at: '2026-12-02T00:00:00Z',
  instanceId: `p${n}`,
  project: `project ${n}`,
});
let ids = 0;
const opts = {
  now: 1_000,
  groupWindowMs: 20_000,
  route: () => ['mail', 'hook'],
  isSending: () => false,
  newId: () => `d${++ids}`,
};

describe('outbox accept', () => {
  it('groups 20 projects degraded at once into one message per channel', () => {
    const q = empty();
    for (let n = 0; n < 20; n++) accept(q, [down(n)], opts);
    expect(q.outbox).toHaveLength(2);
    expect(q.outbox.map((i) => i.channelId).sort()).toEqual(['hook', 'mail']);
    expect(q.outbox.every((i) => i.events.length === 20)).toBe(true);
    expect(q.outbox[0]!.nextAttemptAt).toBe(21_000);
  });

  it('drops an event whose key it has seen (the same happening twice is one message)', () => {
    const q = empty();
    expect(accept(q, [down(1)], opts)).toBe(2);
    expect(accept(q, [down(1)], { ...opts, now: 5_000 })).toBe(0);
    expect(q.outbox.flatMap((i) => i.events)).toHaveLength(2);
  });

  it('does not add to a message that was tried already or is being sent', () => {
    const q = empty();
    accept(q, [down(1)], opts);
    q.outbox[0]!.attempts = 1;
    accept(q, [down(2)], { ...opts, isSending: (i) => i.id === q.outbox[1]!.id });
    expect(q.outbox).toHaveLength(4);
    expect(q.outbox.map((i) => i.events.length)).toEqual([1, 1, 1, 1]);
  });

  it('routes nowhere when no rule matches, but still remembers the key', () => {
    const q = empty();
    expect(accept(q, [down(1)], { ...opts, route: () => [] })).toBe(0);
    expect(q.outbox).toEqual([]);
    expect(q.seen['down:p1:t0']).toBe(1_000);
  });
});
