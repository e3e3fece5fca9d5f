import { describe, expect, it } from 'vitest';
import { claimStream, dispatchStreamEvent, type StreamEvent } from './streamRouter';

const data = (stream: string, text: string): StreamEvent => ({
  type: 'stream.data',
  stream,
  bytes: text.length,
  lines: [{ service: 's', stream: 'stdout', time: 't', text }],
});

describe('stream router', () => {
  it('replays data that arrived before the stream was claimed, then delivers live', () => {
    dispatchStreamEvent(data('s1', 'early'));
    const got: string[] = [];
    const release = claimStream(
      's1',
      (e) => e.type === 'stream.data' && got.push(e.lines[0]!.text),
    );
    dispatchStreamEvent(data('s1', 'live'));
    dispatchStreamEvent(data('other', 'not mine'));
    expect(got).toEqual(['early', 'live']);
    release();
    dispatchStreamEvent(data('s1', 'after release'));
    expect(got).toEqual(['early', 'live']);
  });

  it('forgets unclaimed streams after a while', () => {
    dispatchStreamEvent(data('old', 'x'), 0);
    dispatchStreamEvent(data('new', 'y'), 60_000);
    const got: StreamEvent[] = [];
    claimStream('old', (e) => got.push(e));
    expect(got).toEqual([]);
  });
});
