import { describe, expect, it } from 'vitest';
import type { LogLine } from '@protocol/types';
import { silentLogger } from '../logging/logger';
import { FakeAgent, FakeAgentLink } from '../testing/fake-agent-link';
import { AgentSession, type SessionStatus } from './agent-session';

const line = (n: number): LogLine => ({
  service: 'db',
  stream: 'stdout',
  time: `2026-12-02T00:00:${String(n).padStart(2, '0')}.000000000Z`,
  text: `line ${n}`,
});

function setup(options: { delays?: number[]; reconnectWaitMs?: number } = {}) {
  const agent = new FakeAgent();
  const link = new FakeAgentLink(agent);
  // What the keychain holds: the password the agent had when the server was added.
  const stored = { username: agent.username, password: agent.password };
  const states: SessionStatus[] = [];
  const delivered: Array<{ stream: string; lines: LogLine[]; bytes: number }> = [];
  const ended: Array<{ stream: string; code?: string }> = [];
  const session = new AgentSession({
    serverId: 's1',
    link,
    clientName: 'test',
    logger: silentLogger,
    reconnectWaitMs: options.reconnectWaitMs ?? 2000,
    retryDelay: (attempt) => {
      options.delays?.push(attempt);
      return 1;
    },
    credentials: async () => stored,
    hooks: {
      onStatus: (s) => states.push(s),
      onEvent: () => {},
      onLogData: (stream, lines, bytes) => delivered.push({ stream, lines, bytes }),
      onLogEnd: (stream, error) => ended.push(error ? { stream, code: error.code } : { stream }),
    },
  });
  return { agent, link, session, states, delivered, ended };
}

/** Waits (in real milliseconds) until the session reports a state, or fails after 2 s. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 2 s');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const texts = (delivered: Array<{ lines: LogLine[] }>) =>
  delivered.flatMap((d) => d.lines.map((l) => l.text));

describe('AgentSession over a fake agent', () => {
  it('connects: hello, login, event subscription and the list the events keep', async () => {
    const { agent, session } = setup();
    await session.connect();
    expect(session.status.state).toBe('connected');
    expect(agent.requests).toEqual([
      'session.hello',
      'auth.login',
      'events.subscribe',
      'instances.list',
    ]);
    await session.disconnect();
  });

  it('reconnects after a drop with growing attempts, and resumes its token', async () => {
    const delays: number[] = [];
    const { agent, link, session, states } = setup({ delays });
    await session.connect();
    agent.refuse.count = 2;
    link.drop();
    await until(() => session.status.state === 'connected' && agent.count('auth.resume') === 1);
    // Two refused attempts waited before attempts 1 and 2; the third opened.
    expect(delays).toEqual([0, 1]);
    expect(link.opens).toBe(4);
    const failures = states.filter((s) => s.state === 'reconnecting' && s.error);
    expect(failures.map((s) => s.error?.code)).toEqual([
      'CONNECTION_REFUSED',
      'CONNECTION_REFUSED',
    ]);
    // The token was resumed: no second password login.
    expect(agent.count('auth.login')).toBe(1);
    await session.disconnect();
  });

  it('logs in again when the agent forgot the session (restarted)', async () => {
    const { agent, link, session } = setup();
    await session.connect();
    agent.forgetSessions();
    link.drop();
    await until(() => session.status.state === 'connected' && agent.count('auth.login') === 2);
    expect(agent.count('auth.resume')).toBe(1);
    await expect(session.call('auth.logout', {})).resolves.toEqual({ ok: true });
    await session.disconnect();
  });

  it('stops retrying on a refused login, and ends the log streams with its code', async () => {
    const { agent, link, session, ended } = setup();
    await session.connect();
    const stream = await session.followLogs('i1', { tail: 10 });
    agent.forgetSessions();
    agent.password = 'changed on the server';
    link.drop();
    await until(() => session.status.state === 'error');
    expect(session.status.error?.code).toBe('INVALID_CREDENTIALS');
    expect(ended).toEqual([{ stream, code: 'INVALID_CREDENTIALS' }]);
    const opensAfterError = link.opens;
    await new Promise((r) => setTimeout(r, 20));
    expect(link.opens).toBe(opensAfterError);
    await session.disconnect();
  });

  it('resumes a log stream after a drop without repeating a line', async () => {
    const { agent, link, session, delivered } = setup();
    agent.logs.set('i1', [line(1), line(2)]);
    await session.connect();
    const stream = await session.followLogs('i1', { tail: 10 });
    await until(() => texts(delivered).length === 2);
    agent.appendLog('i1', [line(3)]);
    await until(() => texts(delivered).length === 3);
    link.drop();
    // Written while the desktop was away: only these may show up after the reconnect.
    agent.logs.set('i1', [...agent.logs.get('i1')!, line(4), line(5)]);
    await until(() => texts(delivered).length >= 5);
    agent.appendLog('i1', [line(6)]);
    await until(() => texts(delivered).length >= 6);
    expect(texts(delivered)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
    expect(new Set(delivered.map((d) => d.stream))).toEqual(new Set([stream]));
    // The reopened stream asked for enough history to bridge the gap.
    expect(agent.count('logs.follow')).toBe(2);
    await session.disconnect();
  });

  it('drops acknowledgements owed to a stream that died, and clamps extra ones', async () => {
    const { agent, link, session, delivered } = setup();
    agent.logs.set('i1', [line(1)]);
    await session.connect();
    const stream = await session.followLogs('i1', { tail: 10 });
    await until(() => delivered.length === 1);
    const staleBytes = delivered[0]!.bytes;
    link.drop();
    await until(() => session.status.state === 'connected' && agent.count('logs.follow') === 2);
    // Longer than the stale line, so crediting stale bytes to the new stream would show.
    agent.appendLog('i1', [{ ...line(2), text: 'a fresh line, longer than the first one' }]);
    await until(() => delivered.length === 2);
    const freshBytes = delivered[1]!.bytes;
    expect(freshBytes).toBeGreaterThan(staleBytes);
    // The consumer now acknowledges what it rendered before the drop: nothing reaches the
    // agent (that stream is gone, and the new one must not be credited with it).
    session.ackLog(stream, staleBytes);
    // Then the new data, with 1000 bytes too many: only what was sent is acknowledged.
    session.ackLog(stream, freshBytes + 1000);
    await until(() => agent.acks.length >= 2);
    await new Promise((r) => setTimeout(r, 10));
    // st-4 is the reopened log stream. Its first ack is the session's own, for the replayed
    // history it filtered out (the consumer never saw it); the second is the fresh line.
    expect(agent.acks).toEqual([
      { stream: 'st-4', bytes: staleBytes },
      { stream: 'st-4', bytes: freshBytes },
    ]);
    await session.disconnect();
  });

  it('acknowledges the batches a consumer rendered in one turn with one message', async () => {
    const { agent, session, delivered } = setup();
    agent.logs.set('i1', [line(1)]);
    await session.connect();
    const stream = await session.followLogs('i1', { tail: 10 });
    await until(() => delivered.length === 1);
    agent.appendLog('i1', [line(2)]);
    agent.appendLog('i1', [line(3)]);
    await until(() => delivered.length === 3);
    const before = agent.acks.length;
    for (const d of delivered) session.ackLog(stream, d.bytes);
    const bytes = delivered.reduce((n, d) => n + d.bytes, 0);
    await until(() => agent.acks.length > before);
    await new Promise((r) => setTimeout(r, 10));
    expect(agent.acks.slice(before)).toEqual([{ stream: expect.any(String), bytes }]);
    await session.disconnect();
  });

  it('answers NOT_CONNECTED when a reconnect does not finish in time', async () => {
    const { agent, link, session } = setup({ reconnectWaitMs: 50 });
    await session.connect();
    agent.refuse = { count: 1_000_000, code: 'CONNECTION_REFUSED' };
    link.drop();
    const started = Date.now();
    await expect(session.call('instances.list', {})).rejects.toMatchObject({
      code: 'NOT_CONNECTED',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    await session.disconnect();
  });
});
