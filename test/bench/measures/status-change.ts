// A status change reaching the desktop (issue 21, target 5): from killing one service's
// container to the core's `project.changed` event showing it (Docker event → agent → tunnel →
// core; the renderer's share is the card re-render, measured by the renderer rows), and back
// when the container starts again. The usual way is a panel polling `docker ps` over ssh every
// 5 s: a change waits for the next poll (uniformly 0–5 s), then for the poll itself.
//
// Set-up note: only an instance at rest (running, degraded, stopped) follows Docker; the bench's
// instances are dry runs (`created`) with a stand-in busybox container, since a real stack
// needs the full stand-in images. So the bench stops the agent, marks one instance `running`
// in state.json (as a finished creation would have), and lets the desktop's reconnect start the
// agent again. What is measured after that is the real path, untouched.
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { DesktopEvent } from '../../../electron/src/contract/api';
import type { BenchContext } from '../setup';
import { BENCH_LABEL, docker } from '../docker';
import { editAgentState, until } from './agent-state';
import { fmtMs, fmtRatio, type Row } from '../report';
import { DOCKER_PS } from './status';
import { median, now, percentileSorted } from '../stats';

const POLL_INTERVAL_MS = 5_000;

/** Arrival times (here) of the Engine API's events for one container, by action. */
function dockerEvents(container: string): { at: Map<string, bigint>; close(): void } {
  const at = new Map<string, bigint>();
  const filters = encodeURIComponent(JSON.stringify({ container: [container] }));
  const req = request(
    { socketPath: '/var/run/docker.sock', method: 'GET', path: `/events?filters=${filters}` },
    (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const t = now();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const e = JSON.parse(line) as { Action?: string };
            if (e.Action && !at.has(e.Action)) at.set(e.Action, t);
          } catch {
            // not an event line
          }
        }
      });
    },
  );
  req.on('error', () => {});
  req.end();
  return { at, close: () => req.destroy() };
}

function engine(method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: '/var/run/docker.sock', method, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function engineJson<T>(path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: '/var/run/docker.sock', method: 'GET', path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * When the kernel marked the container's cgroup empty, as this process saw it (inotify on the
 * same `cgroup.events` the agent watches): splits a kill into Docker + kernel (before) and the
 * agent + tunnel + core (after). Undefined where there is no unified hierarchy to watch.
 */
async function watchCgroupEmpty(
  container: string,
): Promise<{ at(): bigint | undefined; close(): void } | undefined> {
  const info = await engineJson<{ State?: { Pid?: number } }>(`/containers/${container}/json`);
  const pid = info.State?.Pid;
  if (!pid) return undefined;
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  const path = /^0::(\/.*)$/m.exec(text)?.[1];
  if (!path || path === '/') return undefined;
  for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    const file = `${mount}${path}/cgroup.events`;
    if (!(await readFile(file, 'utf8').catch(() => undefined))) continue;
    let at: bigint | undefined;
    const check = () => {
      const t = now();
      void readFile(file, 'utf8').then(
        (t2) => /^populated 0$/m.test(t2) && (at ??= t),
        () => (at ??= t),
      );
    };
    const w = watch(file, { persistent: false }, check);
    w.on('error', check);
    return { at: () => at, close: () => w.close() };
  }
  return undefined;
}

/**
 * Makes `instanceId` an instance at rest with a container that survives a kill: the bench's
 * containers run with --rm, so this one is replaced by a copy without it.
 */
export async function markRunning(
  ctx: BenchContext,
  instanceId: string,
  oldContainer: string,
  image: string,
): Promise<string> {
  await docker(['rm', '-f', oldContainer]);
  const id = (
    await docker([
      'run',
      '-d',
      '--network',
      'none',
      '--log-driver',
      'json-file',
      '--label',
      `com.docker.compose.project=ub_${instanceId}`,
      '--label',
      'com.docker.compose.service=db',
      '--label',
      'com.docker.compose.oneoff=False',
      '--label',
      `${BENCH_LABEL}=${process.pid}`,
      image,
      'sleep',
      '1800',
    ])
  ).trim();
  await editAgentState(ctx.host, ctx.desktop, ctx.serverId, (state) => {
    const inst = state.instances[instanceId];
    if (!inst) throw new Error(`no instance ${instanceId} in state.json`);
    inst.status = 'running';
  });
  return id;
}

export async function measureStatusChange(
  ctx: BenchContext,
  opts: { instanceId: string; containerId: string; rounds: number },
): Promise<Row> {
  const { desktop } = ctx;
  const seen: { state?: string; at?: bigint } = {};
  const off = desktop.onEvent((e: DesktopEvent) => {
    if (e.type !== 'project.changed' || e.project.id !== opts.instanceId) return;
    const db = e.project.services?.find((s) => s.service === 'db');
    if (db && db.state !== seen.state) {
      seen.state = db.state;
      seen.at = now();
    }
  });
  const samples: number[] = [];
  const killSamples: number[] = [];
  const killDockerPart: number[] = [];
  const killOurs: number[] = [];
  const startDockerPart: number[] = [];
  const kernelPart: number[] = [];
  const afterKernel: number[] = [];
  const ourPart: number[] = [];
  const events = dockerEvents(opts.containerId);
  await sleep(300); // the events stream is open
  try {
    for (let r = 0; r < opts.rounds; r++) {
      for (const [action, expect] of [
        ['kill', (s?: string) => s !== undefined && s !== 'running'],
        ['start', (s?: string) => s === 'running'],
      ] as const) {
        delete seen.at;
        events.at.clear();
        const cg = action === 'kill' ? await watchCgroupEmpty(opts.containerId) : undefined;
        const t0 = now();
        const code = await engine('POST', `/containers/${opts.containerId}/${action}`);
        if (code >= 300 && code !== 304) throw new Error(`docker ${action}: HTTP ${code}`);
        await until(() => seen.at !== undefined && expect(seen.state), 10_000, `the ${action}`);
        const shown = seen.at as unknown as bigint;
        samples.push(Number(shown - t0) / 1e6);
        if (action === 'kill') killSamples.push(Number(shown - t0) / 1e6);
        const emptyAt = cg?.at();
        cg?.close();
        if (emptyAt !== undefined) {
          kernelPart.push(Number(emptyAt - t0) / 1e6);
          afterKernel.push(Number(shown - emptyAt) / 1e6);
        }
        const dockerWait = action === 'kill' ? 'die' : 'start';
        // dockerd's event may come after ours (the kernel's word on a kill): wait a little.
        await until(() => events.at.has(dockerWait), 5_000, `dockerd's ${dockerWait}`).catch(
          () => undefined,
        );
        const dockerAt = events.at.get(dockerWait);
        if (dockerAt !== undefined && action === 'kill') {
          killDockerPart.push(Number(dockerAt - t0) / 1e6);
          killOurs.push(Number(shown - t0) / 1e6);
        } else if (dockerAt !== undefined) {
          startDockerPart.push(Number(dockerAt - t0) / 1e6);
          ourPart.push(Number(shown - dockerAt) / 1e6);
        }
        await sleep(300); // the restart policy of a real stack would act here; let events settle
      }
    }
  } finally {
    off();
    events.close();
  }
  const pct = (xs: number[], p: number) =>
    percentileSorted(
      [...xs].sort((a, b) => a - b),
      p,
    );
  // The measure is from `docker kill` to the card; starts (which include dockerd
  // starting the container) are reported in the note.
  const s = { p50: pct(killSamples, 0.5), p95: pct(killSamples, 0.95) };
  const ahead = killDockerPart.filter((d, i) => (killOurs[i] ?? Infinity) < d).length;
  const split =
    `Against dockerd’s own event, as it reached this process: from the kill to dockerd’s ` +
    `\`die\` p50 ${fmtMs(pct(killDockerPart, 0.5))}, p95 ${fmtMs(pct(killDockerPart, 0.95))}; ` +
    `the core’s event came first in ${ahead} of ${killOurs.length} kills (the agent watches ` +
    'the container’s cgroup.events, which the kernel updates as the last process exits, ' +
    'before containerd’s cleanup and dockerd’s event). Starts, which only Docker reports: ' +
    `request → dockerd’s \`start\` p50 ${fmtMs(pct(startDockerPart, 0.5))}, then → core ` +
    `event p50 ${fmtMs(pct(ourPart, 0.5))}, p95 ${fmtMs(pct(ourPart, 0.95))}. ` +
    (kernelPart.length > 0
      ? `A kill split at the kernel (this process watching the same cgroup.events, ` +
        `${kernelPart.length} of ${killSamples.length} kills): request → cgroup empty p50 ` +
        `${fmtMs(pct(kernelPart, 0.5))}, p95 ${fmtMs(pct(kernelPart, 0.95))} (dockerd, ` +
        `containerd and the kernel), then → the core’s event p50 ` +
        `${fmtMs(pct(afterKernel, 0.5))}, p95 ${fmtMs(pct(afterKernel, 0.95))} (the agent, the ` +
        'tunnel and the core). '
      : '') +
    `Kills and ` +
    `starts together: p50 ${fmtMs(pct(samples, 0.5))}, p95 ${fmtMs(pct(samples, 0.95))}.`;
  const polls: number[] = [];
  for (let i = 0; i < 5; i++) polls.push((await ctx.ssh.run(DOCKER_PS, { mux: true })).ms);
  const psMuxMs = median(polls);
  // The usual way: uniformly 0–5 s until the next poll, then the poll (ssh mux + docker ps).
  const baselineP50 = POLL_INTERVAL_MS / 2 + psMuxMs;
  const baselineP95 = POLL_INTERVAL_MS * 0.95 + psMuxMs;
  return {
    metric: 'status change → desktop (docker kill → event)',
    ours: `p95 ${fmtMs(s.p95)} (p50 ${fmtMs(s.p50)})`,
    baseline: `p95 ${fmtMs(baselineP95)} (p50 ${fmtMs(baselineP50)}; docker ps every 5 s)`,
    ratio: fmtRatio(baselineP95 / s.p95, '× faster'),
    target: 'p95 ≤ 100 ms',
    met: s.p95 <= 100,
    method:
      `${killSamples.length} kills (each followed by a start) of one instance’s \`db\` ` +
      'container through the Engine API, each timed from the request to the core’s ' +
      '`project.changed` event showing the new container state. The baseline polls ' +
      '`docker ps` over a multiplexed ssh every 5 s: the wait for the next poll is uniform, ' +
      `plus the poll itself (${fmtMs(psMuxMs)} measured above). The instance was marked ` +
      '`running` in state.json with the agent stopped (dry runs do not follow Docker); the ' +
      'path measured is the real one. ' +
      split,
    whenMissed:
      'see the split at the kernel in the note above: before it, dockerd handling the kill ' +
      '(the request, containerd, the shim, runc’s signal) and the kernel tearing the process ' +
      'down; after it, ours. Ours used to include the registry’s fsync before the event went ' +
      'out: measured alone (`scripts/latency-probe.mjs --status 20 --instances 100`, load ' +
      '12–17) the kernel → core part was p50 33 ms, p95 64 ms, and 10 ms / 42 ms once an ' +
      'observed status is announced as soon as it is applied (the write still follows; a ' +
      'crash in between is corrected by the reconcile at start, which looks at every instance ' +
      'at rest). The rest of ours is CPU on a shared machine: a CPU profile of the agent over ' +
      '20 kills and starts shows it idle 97% of the time, the largest frames the copy of the ' +
      'registry each change makes (`mutate`, structuredClone) and Docker API calls of the ' +
      'refresh that Docker’s own events trigger. Closing it: a quieter machine for the Docker ' +
      'part (p95 of request → cgroup empty is 34–78 ms here at load 12–17); for ours, a ' +
      'registry change that does not copy the whole state.',
  };
}
