import { describe, expect, it } from 'vitest';
import type { LogLine } from '@contract/api';
import { LogPump, MAX_BATCH_CHARS, MAX_IN_FLIGHT_CHARS } from './logPump';

function line(text: string): LogLine {
  return { service: 'db', stream: 'stdout', time: '2026-01-01T00:00:00Z', text };
}

/** A terminal whose write callbacks fire only when the test says so, like a busy xterm. */
function fakeTerminal() {
  const writes: { data: string; done: () => void }[] = [];
  return {
    writes,
    sink: { write: (data: string, done: () => void) => void writes.push({ data, done }) },
  };
}

function manualScheduler() {
  const queue: (() => void)[] = [];
  return {
    queue,
    schedule: (run: () => void) => void queue.push(run),
    tick: () => queue.shift()?.(),
  };
}

describe('LogPump', () => {
  it('acknowledges bytes only after the terminal has parsed them', () => {
    const term = fakeTerminal();
    const clock = manualScheduler();
    const acks: number[] = [];
    const pump = new LogPump(
      term.sink,
      (b) => acks.push(b),
      (l) => `${l.text}\n`,
      clock.schedule,
    );
    pump.push([line('a'), line('b')], 40);
    expect(term.writes).toHaveLength(0);
    clock.tick();
    expect(term.writes.map((w) => w.data)).toEqual(['a\nb\n']);
    expect(acks).toEqual([]);
    term.writes[0]!.done();
    expect(acks).toEqual([40]);
    expect(pump.shownLines).toBe(2);
  });

  it('coalesces what arrives in one task into one write', () => {
    const term = fakeTerminal();
    const clock = manualScheduler();
    const acks: number[] = [];
    const pump = new LogPump(
      term.sink,
      (b) => acks.push(b),
      (l) => l.text,
      clock.schedule,
    );
    pump.push([line('1')], 10);
    pump.push([line('2')], 20);
    expect(clock.queue).toHaveLength(1);
    clock.tick();
    expect(term.writes.map((w) => w.data)).toEqual(['12']);
    term.writes[0]!.done();
    expect(acks).toEqual([30]);
  });

  it('bounds the text xterm has not parsed yet, and resumes as it catches up', () => {
    const term = fakeTerminal();
    const clock = manualScheduler();
    const acks: number[] = [];
    const pump = new LogPump(
      term.sink,
      (b) => acks.push(b),
      (l) => l.text,
      clock.schedule,
    );
    const big = 'x'.repeat(MAX_BATCH_CHARS);
    const n = MAX_IN_FLIGHT_CHARS / MAX_BATCH_CHARS + 2;
    for (let i = 0; i < n; i++) pump.push([line(big)], 1);
    clock.tick();
    expect(term.writes).toHaveLength(n - 2);
    expect(pump.charsInFlight).toBe(MAX_IN_FLIGHT_CHARS);
    expect(acks).toEqual([]);
    term.writes[0]!.done();
    expect(acks).toEqual([1]);
    clock.tick();
    expect(term.writes).toHaveLength(n - 1);
    expect(pump.queuedChunks).toBe(1);
  });

  it('stops writing and acknowledging while paused, so the agent throttles at the source', () => {
    const term = fakeTerminal();
    const clock = manualScheduler();
    const acks: number[] = [];
    const pump = new LogPump(
      term.sink,
      (b) => acks.push(b),
      (l) => l.text,
      clock.schedule,
    );
    pump.setPaused(true);
    pump.push([line('a')], 5);
    clock.tick();
    expect(term.writes).toHaveLength(0);
    expect(acks).toEqual([]);
    pump.setPaused(false);
    clock.tick();
    term.writes[0]!.done();
    expect(acks).toEqual([5]);
  });

  it('drops everything after close, including late write callbacks', () => {
    const term = fakeTerminal();
    const clock = manualScheduler();
    const acks: number[] = [];
    const pump = new LogPump(
      term.sink,
      (b) => acks.push(b),
      (l) => l.text,
      clock.schedule,
    );
    pump.push([line('a')], 5);
    clock.tick();
    pump.close();
    term.writes[0]!.done();
    pump.push([line('b')], 5);
    expect(clock.queue).toHaveLength(0);
    expect(acks).toEqual([]);
  });
});
