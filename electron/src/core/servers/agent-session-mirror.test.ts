import { describe, expect, it } from 'vitest';
import type { Instance } from '@protocol/types';
import { silentLogger } from '../logging/logger';
import { FakeAgent, FakeAgentLink } from '../testing/fake-agent-link';
import { AgentSession } from './agent-session';

const inst = (id: string, status: string): Instance =>
  ({ id, name: id, status, createdAt: id }) as unknown as Instance;

function setup() {
  const agent = new FakeAgent();
  const link = new FakeAgentLink(agent);
  const session = new AgentSession({
    serverId: 's1',
    link,
    clientName: 'test',
    logger: silentLogger,
    reconnectWaitMs: 2000,
    retryDelay: () => 1,
    credentials: async () => ({ username: agent.username, password: agent.password }),
    hooks: { onStatus: () => {}, onEvent: () => {}, onLogData: () => {}, onLogEnd: () => {} },
  });
  return { agent, link, session };
}

const statuses = async (session: AgentSession) =>
  (await session.listInstances()).map((i) => `${i.id}:${i.status}`);

/** Lets the fake agent's lines reach the session (they cross PassThrough streams). */
const settle = () => new Promise((r) => setTimeout(r, 5));

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in 2 s');
    await settle();
  }
}

describe('AgentSession: the instance list kept by the events', () => {
  it('lists from the copy without a round trip, and follows changes and deletions', async () => {
    const { agent, session } = setup();
    agent.instances.set('a', inst('a', 'running'));
    agent.instances.set('b', inst('b', 'running'));
    await session.connect();
    expect(await statuses(session)).toEqual(['a:running', 'b:running']);
    const listsSoFar = agent.count('instances.list');
    agent.change({ type: 'instance.changed', instance: inst('a', 'stopped') });
    agent.change({ type: 'instance.changed', instance: inst('c', 'creating') });
    agent.change({ type: 'instance.deleted', instanceId: 'b' });
    await settle();
    for (let i = 0; i < 5; i++) {
      expect(await statuses(session)).toEqual(['a:stopped', 'c:creating']);
    }
    expect(agent.count('instances.list')).toBe(listsSoFar);
    await session.disconnect();
  });

  it('applies changes that arrive while the first list is on its way', async () => {
    const { agent, session } = setup();
    agent.instances.set('a', inst('a', 'running'));
    let release!: () => void;
    agent.holdList = new Promise<void>((r) => (release = r));
    await session.connect();
    // The list was taken at its request; these changes reach the session before its answer.
    agent.change({ type: 'instance.changed', instance: inst('a', 'stopped') });
    agent.change({ type: 'instance.changed', instance: inst('n', 'creating') });
    await settle();
    const listed = statuses(session);
    release();
    expect(await listed).toEqual(['a:stopped', 'n:creating']);
  });

  it('rebuilds the copy after a reconnect: what changed meanwhile is not missed', async () => {
    const { agent, link, session } = setup();
    agent.instances.set('a', inst('a', 'running'));
    await session.connect();
    expect(await statuses(session)).toEqual(['a:running']);
    link.drop();
    // Changes while the connection is down: no event reaches the session.
    agent.instances.set('a', inst('a', 'stopped'));
    agent.instances.set('z', inst('z', 'running'));
    await until(() => session.connected);
    await until(async () => (await statuses(session)).join() === 'a:stopped,z:running');
    await session.disconnect();
    // Disconnected: no copy to answer from, and no agent to ask.
    await expect(session.listInstances()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('asks the agent every time for a non-admin, whose events grants filter', async () => {
    const { agent, session } = setup();
    agent.role = 'user';
    agent.instances.set('a', inst('a', 'running'));
    await session.connect();
    const before = agent.count('instances.list');
    expect(await statuses(session)).toEqual(['a:running']);
    // A grant given to this user sends no event; the next list must still show it.
    agent.instances.set('g', inst('g', 'running'));
    expect(await statuses(session)).toEqual(['a:running', 'g:running']);
    expect(agent.count('instances.list')).toBe(before + 2);
    await session.disconnect();
  });
});
