import { describe, expect, it } from 'vitest';
import { StreamSet } from './streams';

function setup(window: number) {
  const sent: Array<{ method: string; params: Record<string, unknown> }> = [];
  const set = new StreamSet(
    (method, params) => sent.push({ method, params: params as Record<string, unknown> }),
    window,
  );
  return { set, sent };
}

describe('StreamSet', () => {
  it('numbers data from 1 and reports the byte size of the data', () => {
    const { set, sent } = setup(1000);
    const s = set.open();
    s.send('abc');
    s.send({ x: 1 });
    expect(sent.map((m) => m.params.seq)).toEqual([1, 2]);
    expect(sent.map((m) => m.params.bytes)).toEqual([5, 7]);
  });

  it('asks the producer to pause at the window and resumes on ack', () => {
    const { set } = setup(10);
    const s = set.open();
    let drained = 0;
    s.onDrain(() => drained++);
    expect(s.send('1234')).toBe(true); // 6 bytes
    expect(s.send('1234')).toBe(false); // 12 bytes unacknowledged
    set.ack(s.id, 1);
    expect(drained).toBe(0); // still 11 ≥ 10
    set.ack(s.id, 6);
    expect(drained).toBe(1);
    expect(s.send('1')).toBe(true);
  });

  it('gives a stream opened with its own window that window (log streams: a larger one)', () => {
    const { set } = setup(10);
    const wide = set.open(30);
    const narrow = set.open();
    expect(wide.send('1234')).toBe(true); // 6
    expect(wide.send('1234')).toBe(true); // 12: past the connection's 10
    expect(wide.send('12345678901234567')).toBe(false); // 31
    expect(narrow.send('12345678')).toBe(false); // 10: the connection's own
  });

  it('ignores acks beyond what was sent', () => {
    const { set } = setup(10);
    const s = set.open();
    set.ack(s.id, 1_000_000);
    expect(s.send('123456')).toBe(true); // 8 bytes
    expect(s.send('123456')).toBe(false); // 16 bytes: the over-ack bought nothing
  });

  it('cancel stops the source, ends the stream once and forgets it', () => {
    const { set, sent } = setup(10);
    const s = set.open();
    let cancelled = 0;
    s.onCancel(() => cancelled++);
    expect(set.cancel(s.id)).toBe(true);
    expect(set.cancel(s.id)).toBe(false);
    s.end();
    expect(cancelled).toBe(1);
    expect(sent.filter((m) => m.method === 'stream.end')).toHaveLength(1);
    expect(set.has(s.id)).toBe(false);
  });

  it('closeAll cancels sources without writing to a closed connection', () => {
    const { set, sent } = setup(10);
    const s = set.open();
    let cancelled = false;
    s.onCancel(() => (cancelled = true));
    set.closeAll();
    expect(cancelled).toBe(true);
    expect(sent).toHaveLength(0);
    expect(s.send('x')).toBe(false);
  });
});

describe('StreamSet with an encoded-notification writer', () => {
  it('sends data encoded once, counts its bytes, and keeps the window', () => {
    const raw: string[] = [];
    const set = new StreamSet(
      () => {
        throw new Error('every notification goes out pre-encoded');
      },
      20,
      Infinity,
      (method, parts) => raw.push(`${method} ${Buffer.concat(parts).toString('utf8')}`),
    );
    const s = set.open();
    expect(s.sendEncoded(Buffer.from('{"records":[{"log":"x"}]}'))).toBe(false); // 25 bytes
    expect(s.send({ x: 1 })).toBe(false);
    // In parts: counted as the value they make up together.
    const parts = ['{"records":[', '{"log":"y"}', ']}'].map((p) => Buffer.from(p));
    expect(s.sendEncoded(parts)).toBe(false);
    const [first, second, third] = raw.map((r) => JSON.parse(r.slice('stream.data '.length)));
    expect(first).toEqual({ stream: s.id, seq: 1, bytes: 25, data: { records: [{ log: 'x' }] } });
    expect(second).toEqual({ stream: s.id, seq: 2, bytes: 7, data: { x: 1 } });
    expect(third).toEqual({ stream: s.id, seq: 3, bytes: 25, data: { records: [{ log: 'y' }] } });
  });
});
