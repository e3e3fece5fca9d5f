import { MultiBar, type SingleBar } from 'cli-progress';
import type { CliOutputStream } from './cli-io';

/** One bar of a display: a count towards a total, with a label and a short detail. */
export interface ProgressBar {
  update(value: number, detail?: string): void;
}

/**
 * What a person sees while they wait: drawn bars that redraw in place on a terminal, plain
 * lines (one per real change) when stderr is a file or a pipe, nothing with `--json`.
 */
export interface ProgressDisplay {
  bar(label: string, total: number, detail?: string): ProgressBar;
  /** A line above the bars (a retry, a warning). */
  line(text: string): void;
  stop(): void;
}

export type DisplayMode = 'bars' | 'lines' | 'none';

export function displayModeFor(stream: CliOutputStream, json: boolean): DisplayMode {
  if (json) return 'none';
  return stream.isTTY ? 'bars' : 'lines';
}

export function createProgressDisplay(stream: CliOutputStream, mode: DisplayMode): ProgressDisplay {
  if (mode === 'bars') return drawnBars(stream);
  if (mode === 'lines') return plainLines(stream);
  return { bar: () => ({ update() {} }), line() {}, stop() {} };
}

function drawnBars(stream: CliOutputStream): ProgressDisplay {
  const bars = new MultiBar({
    // cli-progress types the stream as a full NodeJS.WritableStream; it only writes to it and
    // reads isTTY and columns, which CliOutputStream has.
    stream: stream as unknown as NodeJS.WritableStream,
    format: '{label} {bar} {percentage}% {detail}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    barsize: 24,
    hideCursor: true,
    autopadding: true,
    // Ctrl-C is the command's business (it may cancel the wait); never let the library own it.
    gracefulExit: false,
    fps: 10,
  });
  const width = { label: 0 };
  const all: Array<{ bar: SingleBar; label: string }> = [];
  return {
    bar(label, total, detail = '') {
      width.label = Math.max(width.label, label.length);
      for (const b of all) b.bar.update({ label: b.label.padEnd(width.label) });
      const bar = bars.create(Math.max(total, 1), 0, { label: label.padEnd(width.label), detail });
      all.push({ bar, label });
      return {
        update(value, next) {
          bar.update(Math.min(value, total), next === undefined ? {} : { detail: next });
        },
      };
    },
    line(text) {
      bars.log(text + '\n');
    },
    stop() {
      bars.stop();
    },
  };
}

function plainLines(stream: CliOutputStream): ProgressDisplay {
  return {
    bar(label, total, detail = '') {
      let last = '';
      const print = (value: number, text: string) => {
        const percent = Math.round((Math.min(value, total) / Math.max(total, 1)) * 100);
        // A line per step or per quarter, not per percent: a log file is read, not watched.
        const shown = `${label} ${text} ${percent - (percent % 25)}%`;
        if (shown === last) return;
        last = shown;
        stream.write(`${label} ${percent}%${text ? ` ${text}` : ''}\n`);
      };
      let current = detail;
      print(0, current);
      return {
        update(value, next) {
          current = next ?? current;
          print(value, current);
        },
      };
    },
    line(text) {
      stream.write(text + '\n');
    },
    stop() {},
  };
}
