import { describe, expect, it } from 'vitest';
import { LineDecoder } from './framing';

describe('LineDecoder', () => {
  it('reassembles lines split anywhere, including inside a multi-byte character', () => {
    const lines: string[] = [];
    const d = new LineDecoder(
      1024,
      (l) => lines.push(l),
      () => {},
    );
    const bytes = Buffer.from('{"a":"é"}\n{"b":2}\r\n\n{"c"', 'utf8');
    for (let i = 0; i < bytes.length; i++) d.push(bytes.subarray(i, i + 1));
    d.push(Buffer.from(':3}\n'));
    expect(lines).toEqual(['{"a":"é"}', '{"b":2}', '{"c":3}']);
  });
  it('reports an oversized line once and carries on with the next', () => {
    const lines: string[] = [];
    const over: number[] = [];
    const d = new LineDecoder(
      8,
      (l) => lines.push(l),
      (n) => over.push(n),
    );
    d.push(Buffer.from('0123456789'));
    d.push(Buffer.from('abc\nok\n'));
    expect(over).toEqual([13]);
    expect(lines).toEqual(['ok']);
  });
});
