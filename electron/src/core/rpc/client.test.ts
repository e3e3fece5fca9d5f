import { describe, expect, it } from 'vitest';
import { Duplex, PassThrough } from 'node:stream';
import { RpcClient } from './client';

/** A fake agent: reads the client's lines, answers through a handler. */
function pair(onRequest: (msg: Record<string, unknown>, reply: (m: unknown) => void) => void) {
  const toAgent = new PassThrough();
  const toClient = new PassThrough();
  const channel = Duplex.from({ readable: toClient, writable: toAgent });
  let buf = '';
  const sent: Record<string, unknown>[] = [];
  toAgent.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      sent.push(msg);
      onRequest(msg, (m) => toClient.write(JSON.stringify(m) + '\n'));
    }
  });
  return { channel, sent, toClient };
}

describe('RpcClient', () => {
  it('matches answers to requests, and maps errors to their stable code', async () => {
    const { channel } = pair((m, reply) => {
      if (m.method === 'system.ping') reply({ jsonrpc: '2.0', id: m.id, result: { now: 'x' } });
      else
        reply({
          jsonrpc: '2.0',
          id: m.id,
          error: {
            code: -32000,
            message: 'No such instance.',
            data: { code: 'NOT_FOUND', id: 'abc' },
          },
        });
    });
    const rpc = new RpcClient(channel);
    await expect(rpc.call('system.ping', {})).resolves.toEqual({ now: 'x' });
    await expect(rpc.call('instances.get', { id: 'abcdef' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      data: { id: 'abc' },
    });
  });
  it('times out, cancels, and fails pending calls when the channel closes', async () => {
    const { channel } = pair(() => {});
    const rpc = new RpcClient(channel);
    await expect(rpc.call('system.ping', {}, { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    const ac = new AbortController();
    const cancelled = rpc.call('system.ping', {}, { signal: ac.signal });
    ac.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    const pending = rpc.call('system.ping', {});
    channel.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });
  it('delivers stream data that overtook the answer, in order, and acknowledges bytes', async () => {
    const { channel, sent } = pair((m, reply) => {
      if (m.method !== 'logs.follow') return;
      reply({
        jsonrpc: '2.0',
        method: 'stream.data',
        params: { stream: 's1', seq: 1, bytes: 5, data: ['a'] },
      });
      reply({ jsonrpc: '2.0', id: m.id, result: { stream: 's1' } });
      reply({
        jsonrpc: '2.0',
        method: 'stream.data',
        params: { stream: 's1', seq: 2, bytes: 7, data: ['b'] },
      });
      reply({ jsonrpc: '2.0', method: 'stream.end', params: { stream: 's1' } });
    });
    const rpc = new RpcClient(channel);
    const { stream } = await rpc.call('logs.follow', { id: 'abcdef' });
    const got: unknown[] = [];
    const ended = new Promise<void>((resolve) =>
      rpc.attachStream('logs.follow', stream, {
        data: (p) => {
          got.push(p.data);
          rpc.ack(stream, p.bytes);
        },
        end: () => resolve(),
      }),
    );
    await ended;
    expect(got).toEqual([['a'], ['b']]);
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.filter((m) => m.method === 'stream.ack').map((m) => m.params)).toEqual([
      { stream: 's1', bytes: 5 },
      { stream: 's1', bytes: 7 },
    ]);
  });
});
