import { describe, expect, it } from 'vitest';
import { FrameDemuxer, JsonLines, splitTimestamp } from './frames';

function frame(kind: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('FrameDemuxer', () => {
  it('splits multiplexed frames into lines per stream, across arbitrary chunk boundaries', () => {
    const bytes = Buffer.concat([
      frame(1, '2024-01-02T03:04:05.123456789Z hello\n2024-01-02T03:04:05.2Z wor'),
      frame(2, '2024-01-02T03:04:06Z oops\n'),
      frame(1, 'ld\n'),
    ]);
    for (const size of [1, 3, 7, 8, 9, bytes.length]) {
      const d = new FrameDemuxer();
      const out = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
      out.push(...d.flush());
      expect(out).toEqual([
        { stream: 'stdout', time: '2024-01-02T03:04:05.123456789Z', text: 'hello' },
        { stream: 'stderr', time: '2024-01-02T03:04:06Z', text: 'oops' },
        { stream: 'stdout', time: '2024-01-02T03:04:05.2Z', text: 'world' },
      ]);
    }
  });

  it('keeps a UTF-8 character split between two frames whole', () => {
    const euro = Buffer.from('€', 'utf8');
    const d = new FrameDemuxer();
    const payload1 = Buffer.concat([Buffer.from('t '), euro.subarray(0, 1)]);
    const payload2 = Buffer.concat([euro.subarray(1), Buffer.from('\n')]);
    const mk = (p: Buffer) => {
      const h = Buffer.alloc(8);
      h[0] = 1;
      h.writeUInt32BE(p.length, 4);
      return Buffer.concat([h, p]);
    };
    const lines = [...d.push(mk(payload1)), ...d.push(mk(payload2))];
    expect(lines.map((l) => l.text)).toEqual(['t €']);
  });

  it('reads a TTY container as raw stdout and flushes a last line without newline', () => {
    const d = new FrameDemuxer(true);
    expect(d.push(Buffer.from('2024-01-02T03:04:05Z a\r\n2024-01-02T03:04:05Z b'))).toEqual([
      { stream: 'stdout', time: '2024-01-02T03:04:05Z', text: 'a' },
    ]);
    expect(d.flush()).toEqual([{ stream: 'stdout', time: '2024-01-02T03:04:05Z', text: 'b' }]);
  });

  it('leaves a line without timestamp as text', () => {
    expect(splitTimestamp('stdout', 'no time here')).toEqual({
      stream: 'stdout',
      time: '',
      text: 'no time here',
    });
  });
});

describe('JsonLines', () => {
  it('parses documents split across chunks and skips garbage lines', () => {
    const j = new JsonLines<{ a: number }>();
    expect(j.push('{"a":1}\n{"a"')).toEqual([{ a: 1 }]);
    expect(j.push(':2}\nnot json\n\n{"a":3}\n')).toEqual([{ a: 2 }, { a: 3 }]);
  });
});
