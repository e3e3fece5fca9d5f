import { describe, expect, it } from 'vitest';
import type { LogLine } from '@contract/api';
import {
  INITIAL_FRAME_CHARS,
  LogPump,
  MAX_FRAME_CHARS,
  MIN_FRAME_CHARS,
  PARSE_BUDGET_MS,
} from './logPump';

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

  it('writes once per frame, keeps one write in xterm at a time, and sizes it to the frame', () => {
    const term = fakeTerminal();
    const frames = manualScheduler();
    let clock = 0;
    const pump = new LogPump(
      term.sink,
      () => {},
      (l) => l.text,
      frames.schedule,
      () => clock,
    );
    const chunk = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 40; i++) pump.push([line(chunk)], 1);
    frames.tick();
    expect(term.writes).toHaveLength(1);
    expect(term.writes[0]!.data.length).toBe(INITIAL_FRAME_CHARS);
    // Nothing more is written while xterm still parses, however many frames pass.
    expect(frames.queue).toHaveLength(0);
    // Parsed in 2 × the budget: the next frame carries less (halfway to what fits).
    clock += PARSE_BUDGET_MS * 2;
    term.writes[0]!.done();
    expect(pump.frameChars).toBe((INITIAL_FRAME_CHARS + INITIAL_FRAME_CHARS / 2) / 2);
    frames.tick(); // left to xterm's draw (see the next test)
    frames.tick();
    expect(term.writes[1]!.data.length).toBeLessThanOrEqual(pump.frameChars);
    // A fast parse lets the frames grow, never past the cap.
    for (let i = 1; i < 30 && term.writes[i]; i++) {
      clock += 0.1;
      term.writes[i]!.done();
      frames.tick();
      frames.tick();
    }
    expect(pump.frameChars).toBe(MAX_FRAME_CHARS);
    expect(pump.frameChars).toBeGreaterThan(MIN_FRAME_CHARS);
  });

  it("in a flood, leaves the frame after each parse to xterm's draw; a trickle writes at once", () => {
    const term = fakeTerminal();
    const frames = manualScheduler();
    const pump = new LogPump(
      term.sink,
      () => {},
      (l) => l.text,
      frames.schedule,
      () => 0,
    );
    const chunk = 'x'.repeat(INITIAL_FRAME_CHARS);
    for (let i = 0; i < 3; i++) pump.push([line(chunk)], 1);
    frames.tick();
    term.writes[0]!.done();
    // More is queued: the next frame writes nothing (xterm draws the parsed lines in it)...
    frames.tick();
    expect(term.writes).toHaveLength(1);
    // ...and the one after writes.
    frames.tick();
    expect(term.writes).toHaveLength(2);
    term.writes[1]!.done();
    frames.tick();
    frames.tick();
    term.writes[2]!.done();
    // Caught up: a line arriving now is written in the very next frame.
    pump.push([line('late')], 1);
    frames.tick();
    expect(term.writes.map((w) => w.data)).toHaveLength(4);
    expect(term.writes[3]!.data).toBe('late');
  });

  it('writes every frame of a flood when the draw is cheap (WebGL)', () => {
    const term = fakeTerminal();
    const frames = manualScheduler();
    const pump = new LogPump(
      term.sink,
      () => {},
      (l) => l.text,
      frames.schedule,
      () => 0,
      () => {},
      () => false,
    );
    for (let i = 0; i < 3; i++) pump.push([line('x'.repeat(INITIAL_FRAME_CHARS))], 1);
    frames.tick();
    term.writes[0]!.done();
    frames.tick();
    expect(term.writes).toHaveLength(2);
  });

  it('reports when everything received has been parsed', () => {
    const term = fakeTerminal();
    const frames = manualScheduler();
    let idle = 0;
    const pump = new LogPump(
      term.sink,
      () => {},
      (l) => l.text,
      frames.schedule,
      () => 0,
      () => (idle += 1),
    );
    pump.push([line('a')], 1);
    frames.tick();
    pump.push([line('b')], 1);
    term.writes[0]!.done();
    expect(idle).toBe(0);
    frames.tick();
    frames.tick();
    term.writes[1]!.done();
    expect(idle).toBe(1);
    expect(pump.shownLines).toBe(2);
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
