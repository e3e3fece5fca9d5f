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
        'pump writes once per animation frame, sized to what xterm parsed within ~8 ms the ' +
        'frame before; xterm draws with WebGL where a GPU renders it (not in this headless ' +
        'Chromium, started with --disable-gpu: the DOM renderer draws). Compared with the raw ' +
        '`ssh cat` rate measured above, because the terminal is the last stage.',
      whenMissed:
        'a CPU profile of the flood (`npx tsx test/harness/bench.ts --profile`) puts about ' +
        'half the main thread in native rendering — style, layout and paint of the DOM ' +
        'renderer’s rows (`(program)`, `replaceChildren`, `createRow`) — and only about a ' +
        'tenth in xterm’s parser; on a loaded 2-core machine without a GPU each frame’s redraw ' +
        'of the viewport costs more than the parse of the lines behind it. Closing the gap: ' +
        'the WebGL renderer (loaded where a hardware context exists) takes the DOM work away; ' +
        'this harness cannot show it without a GPU. Software WebGL is no way round: with ' +
        'SwiftShader (`test/harness/bench.ts --software-gpu`, the WebGL renderer forced on) ' +
        'the flood reached 3,791 lines/s with frames p95 383 ms, the main thread 76% idle ' +
        'waiting on the software rasteriser — 4× slower than the DOM renderer, which is why ' +
        'the app refuses a software context.',
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
        'the pump already caps each frame’s write to ~8 ms of parsing; what remains is the DOM ' +
        'renderer redrawing the whole viewport each frame while the view follows the bottom ' +
        '(see the profile in the row above), which alone outlasts 17 ms on this machine.',
    },
  ];
}
