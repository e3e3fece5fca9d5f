// Renderer benchmark: how long the real renderer takes to draw 200 project cards, and to bring
// 100,000 log lines through the flow-controlled pump into xterm, with how long the longest frame
// took meanwhile (a frozen window shows up as a long frame). Data comes from the dev-only preview
// fixture (the renderer is what is measured here; the core and agent have their own benchmarks),
// which throttles on unacknowledged bytes exactly like the agent does.
//   npx tsx test/harness/bench.ts [--cards 200] [--lines 100000] [--runs 3]
// Needs `npm run build:renderer` and /usr/bin/chromium.
import type { Page } from 'playwright-core';
import { launchBrowser } from '../rig/browser';
import { startPreview } from './preview';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const CARDS = arg('cards', 200);
const LINES = arg('lines', 100_000);
const RUNS = arg('runs', 3);
/** --profile: a CPU profile of the first log flood, summarised by self time (what limits it). */
const PROFILE = process.argv.includes('--profile');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (and per script), the largest first. */
function summarise(profile: CpuProfile, top = 15): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    if (!n) return;
    const file = n.callFrame.url.split('/').pop() || '(native)';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([k, ms]) =>
        `${((ms / total) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${k}`,
    );
}

/** Installed before the app: records when N cards first exist, and every frame's duration. */
function probe(): void {
  const w = window as unknown as { __frames: number[]; __cardsAt: Record<number, number> };
  w.__frames = [];
  w.__cardsAt = {};
  let last = performance.now();
  const frame = (t: number) => {
    w.__frames.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  new MutationObserver(() => {
    const n = document.querySelectorAll('[data-testid="project-card"]').length;
    w.__cardsAt[n] ??= performance.now();
  }).observe(document, { childList: true, subtree: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

async function cardsRun(page: Page, url: string) {
  await page.goto(`${url}?projects=${CARDS}&theme=dark`);
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="project-card"]').length === n,
    CARDS,
    { timeout: 60_000 },
  );
  const first = await page.evaluate((n) => {
    const w = window as unknown as { __cardsAt: Record<number, number> };
    const nav = performance.getEntriesByType('navigation')[0] as
      PerformanceNavigationTiming | undefined;
    return {
      fromNavigation: w.__cardsAt[n]!,
      domContentLoaded: nav?.domContentLoadedEventEnd ?? 0,
    };
  }, CARDS);
  // Re-render: filter everything away, then clear the search, timing the way back to N cards.
  const search = page.getByLabel('Search projects');
  await search.fill('no-such-project');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="project-card"]').length === 0,
  );
  const t0 = await page.evaluate(() => {
    const w = window as unknown as { __cardsAt: Record<number, number> };
    w.__cardsAt = {};
    return performance.now();
  });
  await search.fill('');
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="project-card"]').length === n,
    CARDS,
  );
  const back = await page.evaluate(
    (n) => (window as unknown as { __cardsAt: Record<number, number> }).__cardsAt[n]!,
    CARDS,
  );
  return {
    firstPaint: first.fromNavigation,
    afterScript: first.fromNavigation - first.domContentLoaded,
    rerender: back - t0,
  };
}

async function logsRun(page: Page, url: string, profile = false) {
  await page.goto(`${url}?projects=9&lines=${LINES}&theme=dark`);
  await page.locator('[data-testid="project-card"]').first().waitFor();
  const t0 = await page.evaluate(() => {
    (window as unknown as { __frames: number[] }).__frames = [];
    return performance.now();
  });
  // The main thread's CPU time, which the machine's load moves far less than the wall clock.
  const perf = await page.context().newCDPSession(page);
  await perf.send('Performance.enable');
  const threadMs = async () =>
    1000 *
    ((await perf.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')
      ?.value ?? NaN);
  const cpu0 = await threadMs();
  const cdp = profile ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await page
    .locator('[data-testid="project-card"]')
    .first()
    .getByRole('button', { name: 'Logs', exact: true })
    .click();
  await page.waitForFunction(
    (n) =>
      Number(document.querySelector('[data-testid="log-status"]')?.getAttribute('data-shown')) >= n,
    LINES,
    { timeout: 600_000, polling: 20 },
  );
  const r = await page.evaluate(() => ({
    t: performance.now(),
    frames: (window as unknown as { __frames: number[] }).__frames,
    // xterm's WebGL renderer draws into a canvas; its DOM renderer into row elements.
    renderer: document.querySelector('.xterm-screen canvas') ? 'webgl' : 'dom',
  }));
  const seconds = (r.t - t0) / 1000;
  const cpuMs = (await threadMs()) - cpu0;
  await perf.detach();
  if (cdp) {
    const { profile: p } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
    console.log('\nCPU profile of the log flood (renderer main thread, self time):');
    for (const l of summarise(p)) console.log(`  ${l}`);
    await cdp.detach();
  }
  return {
    seconds,
    linesPerSecond: LINES / seconds,
    maxFrame: Math.max(...r.frames),
    p95Frame: pct(r.frames, 0.95),
    frames: r.frames.length,
    renderer: r.renderer,
    cpuMs,
  };
}

const harness = await startPreview();
// --software-gpu: WebGL 2 through SwiftShader, so xterm's WebGL renderer can load here.
const SOFTWARE_GPU = process.argv.includes('--software-gpu');
const browser = await launchBrowser({
  viewport: { width: 1280, height: 800 },
  softwareGpu: SOFTWARE_GPU,
});
try {
  const page = await browser.page();
  // As a string: transpilers may wrap inner functions in a `__name` helper the page lacks.
  await page.addInitScript({ content: `var __name = (t) => t; (${probe.toString()})();` });
  const cards = [];
  const logs = [];
  for (let i = 0; i < RUNS; i++) cards.push(await cardsRun(page, harness.url));
  for (let i = 0; i < RUNS; i++) logs.push(await logsRun(page, harness.url, PROFILE && i === 0));
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const rows: [string, string][] = [
    [
      `${CARDS} cards: first load → all cards in the DOM (from navigation)`,
      ms(median(cards.map((c) => c.firstPaint))),
    ],
    [
      `${CARDS} cards: after the app script started (from DOMContentLoaded)`,
      ms(median(cards.map((c) => c.afterScript))),
    ],
    [`${CARDS} cards: re-render after clearing a search`, ms(median(cards.map((c) => c.rerender)))],
    [
      `${LINES.toLocaleString('en')} log lines: open → all shown in xterm`,
      `${median(logs.map((l) => l.seconds)).toFixed(2)} s`,
    ],
    [
      'log throughput',
      `${Math.round(median(logs.map((l) => l.linesPerSecond))).toLocaleString('en')} lines/s`,
    ],
    ['longest frame during the flood', ms(median(logs.map((l) => l.maxFrame)))],
    ['95th percentile frame during the flood', ms(median(logs.map((l) => l.p95Frame)))],
    ['main-thread CPU during the flood (less moved by load)', ms(median(logs.map((l) => l.cpuMs)))],
    ['xterm renderer', [...new Set(logs.map((l) => l.renderer))].join(', ')],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`\nrenderer benchmark (Chromium headless, median of ${RUNS} runs)\n`);
  console.log(`${'measure'.padEnd(w)} | result`);
  console.log(`${'-'.repeat(w)}-|-${'-'.repeat(16)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)} | ${v}`);
} finally {
  await browser.close();
  await harness.close();
}
