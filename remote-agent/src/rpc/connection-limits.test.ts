import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Admission } from './admission';
import { isRefusal, serveRpc, type Dispatch, type RpcConnectionOptions } from './connection';

/** A peer that never reads: its side of the pipe accepts `accept` bytes and then blocks. */
function stalledOutput(accept: number) {
  let taken = 0;
  const output = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, callback) {
      taken += chunk.length;
      if (taken <= accept) callback();
      // else: never call back, like a socket whose reader went away
    },
  });
  return { output, taken: () => taken };
}

function open(options: Partial<RpcConnectionOptions> & { dispatch: Dispatch }) {
  const input = new PassThrough();
  const output = options.output ?? new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  if (!options.output) {
    let buffer = '';
    output.on('data', (c: Buffer) => {
      buffer += c.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        lines.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
        buffer = buffer.slice(nl + 1);
      }
    });
  }
  const conn = serveRpc({
    id: 'c1',
    input,
    maxMessageBytes: 2 * 1024 * 1024,
    windowBytes: 1024,
    ...options,
    output,
  });
  let closed = false;
  void conn.closed.then(() => (closed = true));
  return { input, output, lines, conn, isClosed: () => closed };
}

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));
const codeOf = (m: Record<string, unknown> | undefined) =>
  (m?.error as { data: { code: string } } | undefined)?.data.code;
const ping = (id: number | string) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }) + '\n';

describe('serveRpc limits (review #6, #13)', () => {
  it('stops reading while the peer does not read, and closes past the output cap', async () => {
    const { output } = stalledOutput(64 * 1024);
    const big = 'x'.repeat(100 * 1024);
    const { input, isClosed } = open({
      output,
      dispatch: async () => big,
      limits: { maxBufferedBytes: 1024 * 1024 },
    });
    let offered = 0;
    // The client keeps writing requests as long as its pipe takes them.
    for (let i = 0; i < 2000 && !isClosed(); i++) {
      input.write(ping(i));
      offered++;
      if (i % 20 === 0) await tick(1);
    }
    await tick(50);
    expect(input.isPaused() || isClosed()).toBe(true);
    // Answered replies wait in memory only up to the cap: past it, the connection is closed.
    expect(output.writableLength).toBeLessThanOrEqual(1024 * 1024 + 2 * big.length);
    expect(offered).toBeGreaterThan(0);
  });

  it('pauses input when write() returns false and resumes on drain', async () => {
    const output = new PassThrough({ highWaterMark: 1024 });
    const { input } = open({ output, dispatch: async () => 'y'.repeat(4096) });
    input.write(ping(1));
    await tick();
    expect(input.isPaused()).toBe(true);
    output.resume();
    await tick();
    expect(input.isPaused()).toBe(false);
  });

  it('answers BUSY past the pending requests cap', async () => {
    const releases: Array<() => void> = [];
    const { input, lines } = open({
      dispatch: () => new Promise((resolve) => releases.push(() => resolve('done'))),
      limits: { maxPendingRequests: 3 },
    });
    for (let i = 1; i <= 5; i++) input.write(ping(i));
    await tick();
    expect(releases).toHaveLength(3);
    expect(lines.map((l) => [l.id, codeOf(l)])).toEqual([
      [4, 'BUSY'],
      [5, 'BUSY'],
    ]);
    for (const r of releases.splice(0)) r();
    await tick();
    input.write(ping(6));
    await tick();
    for (const r of releases.splice(0)) r();
    await tick();
    expect(lines.at(-1)).toEqual({ jsonrpc: '2.0', id: 6, result: 'done' });
  });

  it('refuses an id longer than a sane bound instead of echoing it', async () => {
    const { input, lines } = open({ dispatch: async () => 'pong' });
    input.write(ping('i'.repeat(100_000)));
    await tick();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.id).toBeNull();
    expect(codeOf(lines[0])).toBe('INVALID_REQUEST');
    expect(JSON.stringify(lines[0]).length).toBeLessThan(1000);
  });

  it('caps the streams a connection holds open', async () => {
    const { input, lines } = open({
      dispatch: async (_m, _p, ctx) => ctx.openStream().id,
      limits: { maxStreams: 2 },
    });
    for (let i = 1; i <= 3; i++) input.write(ping(i));
    await tick();
    expect(lines.map(codeOf)).toEqual([undefined, undefined, 'BUSY']);
  });

  it('closes a connection that does not log in within the deadline or goes idle before', async () => {
    const idle = open({ dispatch: async () => 'pong', limits: { idleBeforeLoginMs: 30 } });
    await tick(80);
    expect(idle.isClosed()).toBe(true);
    expect(codeOf(idle.lines.at(-1))).toBe('TIMEOUT');

    const chatty = open({ dispatch: async () => 'pong', limits: { loginDeadlineMs: 60 } });
    for (let i = 0; i < 10 && !chatty.isClosed(); i++) {
      chatty.input.write(ping(i));
      await tick(15);
    }
    expect(chatty.isClosed()).toBe(true);

    const loggedIn = open({
      dispatch: async (_m, _p, ctx) => {
        ctx.setAuthenticated(true);
        return 'ok';
      },
      limits: { loginDeadlineMs: 40, idleBeforeLoginMs: 40 },
    });
    loggedIn.input.write(ping(1));
    await tick(100);
    expect(loggedIn.isClosed()).toBe(false);
    loggedIn.conn.close();
  });
});

describe('Admission', () => {
  it('caps connections in total and those not logged in', () => {
    const admission = new Admission({ maxConnections: 3, maxUnauthenticatedConnections: 2 });
    const a = admission.admit();
    const b = admission.admit();
    expect(a).toBeDefined();
    expect(admission.admit()).toBeUndefined();
    a!.setAuthenticated(true);
    const c = admission.admit();
    expect(c).toBeDefined();
    expect(admission.admit()).toBeUndefined();
    b!.release();
    b!.release();
    expect(admission.admit()).toBeDefined();
    expect(admission.admit()).toBeUndefined();
  });

  it('refuses a connection past the cap with BUSY and closes it', async () => {
    const admission = new Admission({ maxConnections: 1, maxUnauthenticatedConnections: 1 });
    const first = open({ dispatch: async () => 'pong', admission });
    const second = open({ dispatch: async () => 'pong', admission });
    await tick();
    expect(codeOf(second.lines[0])).toBe('BUSY');
    expect(second.isClosed()).toBe(true);
    first.conn.close();
    await tick();
    const third = open({ dispatch: async () => 'pong', admission });
    third.input.write(ping(1));
    await tick();
    expect(third.lines[0]?.result).toBe('pong');
    third.conn.close();
  });
});

describe('isRefusal', () => {
  it('tells the calls anyone can provoke from those worth an info line', () => {
    expect(isRefusal({ method: 'auth.login', code: 'BUSY' })).toBe(true);
    expect(isRefusal({ method: 'users.list', code: 'UNAUTHENTICATED' })).toBe(true);
    expect(isRefusal({ method: 'instances.start', code: 'BUSY' })).toBe(false);
    expect(isRefusal({ method: 'auth.login' })).toBe(false);
  });
});

describe('stream.cancel', () => {
  it('goes through the dispatcher while the connection has no stream open', async () => {
    const seen: string[] = [];
    const { input, lines } = open({
      dispatch: async (method, _p, ctx) => {
        seen.push(method);
        if (method === 'open') return ctx.openStream().id;
        throw Object.assign(new Error('Send session.hello first.'), { code: 'HELLO_REQUIRED' });
      },
    });
    input.write(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stream.cancel', params: 5 }) + '\n',
    );
    await tick();
    expect(seen).toEqual(['stream.cancel']);
    expect(codeOf(lines[0])).toBe('HELLO_REQUIRED');
    input.write(ping(2).replace('ping', 'open'));
    await tick();
    const stream = lines[1]?.result as string;
    input.write(
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'stream.cancel', params: { stream } }) + '\n',
    );
    await tick();
    expect(lines.find((l) => l.id === 3)?.result).toEqual({ ok: true });
  });
});
