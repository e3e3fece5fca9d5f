import { describe, expect, it } from 'vitest';
import { LineDecoder } from './line-decoder';

function collect(max: number) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const decoder = new LineDecoder(max, {
    line: (l) => lines.push(l),
    oversized: (n) => oversized.push(n),
  });
  return { decoder, lines, oversized };
}

describe('LineDecoder', () => {
  it('splits lines across and within chunks', () => {
    const { decoder, lines } = collect(100);
    decoder.push(Buffer.from('{"a":1}\n{"b"'));
    decoder.push(Buffer.from(':2}\n\n{"c":3}\r\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const { decoder, lines } = collect(100);
    const bytes = Buffer.from('"ação"\n');
    decoder.push(bytes.subarray(0, 3));
    decoder.push(bytes.subarray(3));
    expect(lines).toEqual(['"ação"']);
  });

  it('drops an oversized line, reports it once, and resumes at the next newline', () => {
    const { decoder, lines, oversized } = collect(10);
    decoder.push(Buffer.from('0123456789'));
    decoder.push(Buffer.from('abcdef'));
    decoder.push(Buffer.from('ghi\nok\n'));
    expect(oversized).toEqual([19]);
    expect(lines).toEqual(['ok']);
  });

  it('accepts a line of exactly the limit', () => {
    const { decoder, lines, oversized } = collect(4);
    decoder.push(Buffer.from('abcd\nabcde\n'));
    expect(lines).toEqual(['abcd']);
    expect(oversized).toEqual([5]);
  });
});
