// The renderer's rows come from its own benchmark (test/harness/bench.ts: the built renderer in
// headless Chromium, fed by the dev preview fixture, which throttles on unacknowledged bytes as
// the agent does). We run it as a child and read its table.
import { execFile } from 'node:child_process';
import { fmtRatio, type Row } from '../report';

export interface RendererFacts {
  cardsFirstLoadMs: number;
  cardsRerenderMs: number;
  logSeconds: number;
  logLinesPerSecond: number;
  maxFrameMs: number;
  p95FrameMs: number;
  lines: number;
  cards: number;
  runs: number;
}

function valueOf(table: string, startsWith: RegExp): number {
  for (const line of table.split('\n')) {
    const [k, v] = line.split(' | ');
    if (k && v && startsWith.test(k.trim())) return Number(v.replace(/[^0-9.]/g, ''));
  }
  return NaN;
}

export function parseRendererTable(out: string, runs: number): RendererFacts {
  const lines = Number(/([\d,]+) log lines: open/.exec(out)?.[1]?.replace(/,/g, '') ?? NaN);
  const cards = Number(/(\d+) cards: first load/.exec(out)?.[1] ?? NaN);
  return {
    cards,
    lines,
    runs,
    cardsFirstLoadMs: valueOf(out, /^\d+ cards: first load/),
    cardsRerenderMs: valueOf(out, /^\d+ cards: re-render/),
    logSeconds: valueOf(out, /log lines: open/),
    logLinesPerSecond: valueOf(out, /^log throughput/),
    maxFrameMs: valueOf(out, /^longest frame/),
    p95FrameMs: valueOf(out, /^95th percentile frame/),
  };
}

export function runRendererBench(runs: number, timeoutMs: number): Promise<RendererFacts> {
  return new Promise((resolve, reject) =>
    execFile(
      'npx',
      ['tsx', 'test/harness/bench.ts', '--runs', String(runs)],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`renderer benchmark: ${err.message}\n${stderr.slice(-2000)}`))
          : resolve(parseRendererTable(stdout, runs)),
    ),
  );
}

export function rendererRows(r: RendererFacts, rawCatLinesPerSecond: number): Row[] {
  const share = r.logLinesPerSecond / rawCatLinesPerSecond;
  return [
    {
      metric: `renderer: ${r.cards} cards, first load`,
      ours: `${r.cardsFirstLoadMs.toFixed(0)} ms`,
      baseline: '—',
      ratio: `re-render ${r.cardsRerenderMs.toFixed(0)} ms`,
      target: '(no target)',
      met: undefined,
      method:
        `test/harness/bench.ts, median of ${r.runs} run(s): navigation → all cards in the DOM; ` +
        're-render = clearing a search that had hidden them all.',
    },
    {
      metric: `renderer: ${r.lines.toLocaleString('en')} log lines into xterm`,
      ours: `${r.logSeconds.toFixed(2)} s (${Math.round(r.logLinesPerSecond).toLocaleString('en')} lines/s)`,
      baseline: `${Math.round(rawCatLinesPerSecond).toLocaleString('en')} lines/s (ssh cat)`,
      ratio: fmtRatio(share * 100, '% of raw'),
      target: '≥ 100,000 lines/s',
      met: r.logLinesPerSecond >= 100_000,
      method:
        'open a log terminal on a fixture stream → every line parsed by xterm (the ' +
        '`data-shown` counter, updated as soon as the pump is idle); the fixture holds back ' +
        'when a window is unacknowledged, like the agent, and sends 500 lines a message. The ' +
        'pump writes at most once per animation frame, sized to what xterm parsed within ~8 ms ' +
        'the frame before, and during a flood with the DOM renderer leaves the frame after each ' +
        'parse to xterm’s draw; a line carries 3 colour changes (2 without the service column); xterm’s redraw ' +
        'of the selection on every scroll is skipped while nothing is selected; the line count ' +
        're-renders only the status text. xterm draws with WebGL where a GPU renders it (not in ' +
        'this headless Chromium, started with --disable-gpu: the DOM renderer draws). Compared ' +
        'with the raw `ssh cat` rate measured above, because the terminal is the last stage.',
      whenMissed:
        'a trace of the flood (Chromium’s timeline, main thread, 100,000 lines, load ≈ 9 on ' +
        'the 2 cores) splits the main thread’s ~2.4 s of busy time into xterm’s parse ~27% ' +
        '(its write tasks), the DOM renderer’s draws ~40% (style, layout, paint and commit ~0.67 s, ' +
        'building the rows’ spans ~0.29 s), the fixture’s delivery and our formatting ~12%, ' +
        'garbage collection ~7%. Before this round (profile: each scroll also made xterm redraw ' +
        'the empty selection, i.e. rebuild every row twice a frame; a draw every frame; 4 ' +
        'colour changes a line) it took 3.5–3.8 s of main-thread CPU per 100,000 lines, now ' +
        '1.0–1.9 s (interleaved runs, same load): 19,000 → 36,000 lines/s median. What is left ' +
        'is one core’s worth of parse + draw on a shared machine (load 3–10 from other work ' +
        'during these runs moves a run between 10,000 and 40,000 lines/s). Closing the gap: ' +
        'the WebGL renderer (loaded where a hardware context exists) takes the DOM draw away, ' +
        'which leaves the parse (~6 µs a line here) as the limit; this harness cannot show it ' +
        'without a GPU. Software WebGL is no way round: with SwiftShader ' +
        '(`test/harness/bench.ts --software-gpu`, the WebGL renderer forced on) the flood ' +
        'reached 3,791 lines/s with frames p95 383 ms, the main thread 76% idle waiting on the ' +
        'software rasteriser — 4× slower than the DOM renderer, which is why the app refuses a ' +
        'software context. A larger parse budget (12 ms) drew fewer frames per line (up to ' +
        '60,000 lines/s) but frames p95 were 33–50 ms in 4 of 6 runs (8 ms: 2 of 6), so it stays ' +
        'at 8 ms.',
    },
    {
      metric: 'renderer: frames during the log flood',
      ours: `p95 ${r.p95FrameMs.toFixed(0)} ms`,
      baseline: '—',
      ratio: `longest ${r.maxFrameMs.toFixed(0)} ms`,
      target: 'p95 ≤ 17 ms',
      met: r.p95FrameMs <= 17,
      method:
        '“the UI staying responsive” as a number: requestAnimationFrame intervals while the ' +
        'lines pour in. 17 ms is one frame at 60 Hz (issue 21).',
      whenMissed:
        'a frame that held both the DOM renderer’s redraw of the 45-row viewport and the next ' +
        'parse outlasted 16.7 ms; the pump now alternates them during a flood (a parse frame ' +
        'capped at ~8 ms, then a draw frame), which brought p95 from 50 ms to 16.8 ms in two ' +
        'of three runs at load ≈ 5 (50 ms in the third); in later interleaved runs at load ' +
        '3–9 it was 17–67 ms where the code before had 33–133 ms. What remains is CPU ' +
        'contention: on 2 ' +
        'shared cores under load 3–10 a frame of 8 ms of work often takes two vsyncs. The ' +
        'WebGL renderer (hardware only) should make the draw frames cheap; not measurable here.',
    },
  ];
}
