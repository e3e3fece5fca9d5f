import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../agent-error';
import { serveRpc, type Dispatch } from './connection';

function setup(dispatch: Dispatch, max = 200) {
  const input = new PassThrough();
  const output = new PassThrough();
  const messages: Array<Record<string, unknown>> = [];
  let buffer = '';
  output.on('data', (c: Buffer) => {
    buffer += c.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      messages.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
      buffer = buffer.slice(nl + 1);
    }
  });
  const conn = serveRpc({
    id: 'c1',
    input,
    output,
    dispatch,
    maxMessageBytes: max,
    windowBytes: 20,
  });
  const send = (o: unknown) => input.write(JSON.stringify(o) + '\n');
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { input, messages, send, settle, conn };
}

const codeOf = (m: Record<string, unknown> | undefined) =>
  (m?.error as { data: { code: string } } | undefined)?.data.code;

describe('serveRpc', () => {
  it('answers requests, and reports coded errors without internals', async () => {
    const { messages, send, settle } = setup(async (method) => {
      if (method === 'ok') return { fine: true };
      if (method === 'coded') throw new AgentError('NOT_FOUND', 'nope', { id: 'x' });
      throw new Error('secret internal detail');
    });
    send({ jsonrpc: '2.0', id: 1, method: 'ok' });
    send({ jsonrpc: '2.0', id: 2, method: 'coded' });
    send({ jsonrpc: '2.0', id: 3, method: 'boom' });
    await settle();
    expect(messages[0]).toEqual({ jsonrpc: '2.0', id: 1, result: { fine: true } });
    expect(messages[1]?.error).toEqual({
      code: -32000,
      message: 'nope',
      data: { id: 'x', code: 'NOT_FOUND' },
    });
    expect(codeOf(messages[2])).toBe('INTERNAL');
    expect(JSON.stringify(messages[2])).not.toContain('secret internal detail');
  });

  it('survives garbage, wrong shapes, and oversized lines', async () => {
    const { messages, send, input, settle } = setup(async () => 'pong', 80);
    input.write('nope\n');
    input.write('[]\n');
    send({ jsonrpc: '1.0', id: 1, method: 'x' });
    input.write('{"jsonrpc":"2.0","id":2,"method":"x","params":"' + 'y'.repeat(100) + '"}\n');
    send({ jsonrpc: '2.0', id: 3, method: 'x' });
    send({ jsonrpc: '2.0', method: 'notification-is-not-answered' });
    await settle();
    expect(messages.map(codeOf)).toEqual([
      'PARSE_ERROR',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      'MESSAGE_TOO_LARGE',
      undefined,
    ]);
    expect(messages[4]).toEqual({ jsonrpc: '2.0', id: 3, result: 'pong' });
  });

  it('runs streams with acks and cancel, and cancels every source on disconnect', async () => {
    let cancelled = 0;
    let resumed = 0;
    const { messages, send, input, settle, conn } = setup(async (method, _p, ctx) => {
      // With no stream open, stream.cancel reaches the dispatcher (handlers.ts answers it so).
      if (method === 'stream.cancel') throw new AgentError('STREAM_NOT_FOUND', 'no such stream');
      const s = ctx.openStream();
      s.onCancel(() => cancelled++);
      s.onDrain(() => resumed++);
      s.send('0123456789abcdef0123'); // 22 bytes ≥ window 20: the producer is told to pause
      return { stream: s.id };
    });
    send({ jsonrpc: '2.0', id: 1, method: 'open' });
    await settle();
    const stream = (messages.find((m) => m.id === 1)?.result as { stream: string }).stream;
    send({ jsonrpc: '2.0', method: 'stream.ack', params: { stream, bytes: 22 } });
    await settle();
    expect(resumed).toBe(1);
    send({ jsonrpc: '2.0', id: 2, method: 'stream.cancel', params: { stream } });
    send({ jsonrpc: '2.0', id: 3, method: 'stream.cancel', params: { stream } });
    send({ jsonrpc: '2.0', id: 4, method: 'open' });
    await settle();
    expect(cancelled).toBe(1);
    expect(messages.find((m) => m.method === 'stream.end')).toEqual({
      jsonrpc: '2.0',
      method: 'stream.end',
      params: { stream },
    });
    expect(codeOf(messages.find((m) => m.id === 3))).toBe('STREAM_NOT_FOUND');
    input.end();
    await conn.closed;
    expect(cancelled).toBe(2);
  });
});
