import { describe, expect, it } from 'vitest';
import type { AuthService, Caller } from '../auth/service';
import { EventBus } from '../events/bus';
import type { StoreInstanceRegistry } from '../instances/registry';
import type { AgentEvent, Instance, RecoveryProgress } from '@protocol/types';
import { StreamSet } from '../rpc/streams';
import { MAX_PENDING_EVENTS, pipeEvents } from './events-stream';

const inst = (id: string, owner: string) => ({ id, owner }) as Instance;

function setup(
  caller: Caller,
  instances: Instance[],
  window = 1_000_000,
  replay: AgentEvent[] = [],
) {
  const sent: Array<{ method: string; params: { data?: AgentEvent; error?: { code: string } } }> =
    [];
  const set = new StreamSet(
    (method, params) => sent.push({ method, params: params as never }),
    window,
  );
  const stream = set.open();
  const bus = new EventBus();
  let revoked = false;
  const auth = {
    authenticate: () => {
      if (revoked) throw Object.assign(new Error('gone'), { code: 'UNAUTHENTICATED' });
      return caller;
    },
  } as unknown as AuthService;
  const registry = {
    list: () => instances,
    get: (id: string) => instances.find((i) => i.id === id),
  } as unknown as StoreInstanceRegistry;
  pipeEvents({ stream, bus, auth, tokenHash: caller.tokenHash, registry, replay });
  const data = () => sent.filter((m) => m.method === 'stream.data').map((m) => m.params.data);
  return { bus, set, stream, sent, data, revoke: () => (revoked = true) };
}

const ana: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 't' };

describe('pipeEvents', () => {
  it('passes a user only the events of instances they may see', () => {
    const { bus, data } = setup(ana, [inst('mine', 'ana'), inst('theirs', 'bob')]);
    bus.emit({ type: 'instance.changed', instance: inst('mine', 'ana') });
    bus.emit({ type: 'instance.changed', instance: inst('theirs', 'bob') });
    bus.emit({ type: 'instance.deleted', instanceId: 'theirs' });
    bus.emit({ type: 'instance.deleted', instanceId: 'mine' });
    bus.emit({ type: 'audit', entry: { seq: 1, at: '', actor: 'bob', action: 'x', result: 'ok' } });
    bus.emit({ type: 'audit', entry: { seq: 2, at: '', actor: 'ana', action: 'y', result: 'ok' } });
    expect(data().map((e) => e?.type)).toEqual(['instance.changed', 'instance.deleted', 'audit']);
  });

  it('queues while the client is behind, then ends the stream past the bound', () => {
    const admin: Caller = { ...ana, role: 'admin' };
    const { bus, sent, data } = setup(admin, [], 10);
    const event: AgentEvent = { type: 'instance.deleted', instanceId: 'x' };
    bus.emit(event); // fills the 10-byte window at once
    for (let i = 0; i <= MAX_PENDING_EVENTS; i++) bus.emit(event);
    expect(data()).toHaveLength(1);
    const end = sent.find((m) => m.method === 'stream.end');
    expect(end?.params.error?.code).toBe('BUSY');
    expect(bus.size).toBe(0);
  });

  it('delivers queued events in order once the client acknowledges', () => {
    const admin: Caller = { ...ana, role: 'admin' };
    const { bus, set, stream, data } = setup(admin, [], 10);
    for (const id of ['a', 'b', 'c']) bus.emit({ type: 'instance.deleted', instanceId: id });
    expect(data()).toHaveLength(1);
    set.ack(stream.id, 10_000);
    expect(data().map((e) => (e as { instanceId: string }).instanceId)).toEqual(['a', 'b']);
    set.ack(stream.id, 10_000);
    expect(data()).toHaveLength(3);
  });

  it('ends the stream when the session is revoked', () => {
    const { bus, sent, revoke } = setup(ana, [inst('mine', 'ana')]);
    revoke();
    bus.emit({ type: 'instance.changed', instance: inst('mine', 'ana') });
    expect(sent.at(-1)?.method).toBe('stream.end');
    expect(bus.size).toBe(0);
  });

  it('sends the recovery under way first, naming only the waiting projects the user may see', () => {
    const progress: RecoveryProgress = {
      reason: 'agent-start',
      phase: 'databases',
      total: 3,
      done: 0,
      failed: 0,
      databases: 1,
      waiting: ['mine', 'theirs', 'gone'],
      at: '',
    };
    const instances = [inst('mine', 'ana'), inst('theirs', 'bob')];
    const { bus, data } = setup(ana, instances, 1_000_000, [
      { type: 'agent.recovery', event: progress },
    ]);
    expect(data()).toEqual([{ type: 'agent.recovery', event: { ...progress, waiting: ['mine'] } }]);
    bus.emit({ type: 'agent.recovery', event: { ...progress, databases: 2 } });
    expect(data()[1]).toMatchObject({ event: { databases: 2, waiting: ['mine'] } });

    const admin = setup({ ...ana, role: 'admin' }, instances, 1_000_000, [
      { type: 'agent.recovery', event: progress },
    ]);
    expect(admin.data()[0]).toMatchObject({ event: { waiting: ['mine', 'theirs', 'gone'] } });
  });
});
