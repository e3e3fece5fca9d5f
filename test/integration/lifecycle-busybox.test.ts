// The lifecycle on the machine's real Docker engine and compose v1, with hand-written stacks on a
// tiny busybox image: creation queue and progress, live status from events, start/stop/restart,
// delete without leftovers, failure rollback, logs, stats, and the resource refusal.
// The full Supabase stack on the rig's stand-in images is covered by lifecycle-stack.test.ts.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, Instance, InstancePorts, LogLine, ProgressEvent } from '@protocol/types';
import type { LifecycleDeps } from '../../remote-agent/src/lifecycle/types';
import { createDockerEngine, type DockerEngine } from '../../remote-agent/src/docker/engine';
import { createLifecycle, type DockerLifecycle } from '../../remote-agent/src/lifecycle';
import { checkResources } from '../../remote-agent/src/lifecycle/resources';
import { createDockerHost, type DockerHost } from '../../remote-agent/src/docker/host';
import { InstanceLocks } from '../../remote-agent/src/instances/state';
import { readHost } from '../../remote-agent/src/system/resources';
import {
  MemoryRegistry,
  canBind,
  freePorts,
  instanceStatusEvent,
  leftovers,
  newInstance,
} from './lifecycle-helpers';
import { busyboxImage } from '../rig/busybox';

function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'docker',
      args,
      { timeout: timeoutMs, env: { ...process.env, DOCKER_BUILDKIT: '0' } },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`))
          : resolve(stdout),
    ),
  );
}

interface StackOptions {
  /** db never turns healthy: compose gives up inside `up`. */
  unhealthy?: boolean;
  /** kong never turns healthy: `up` succeeds and the creation sits in its health wait. */
  kongUnhealthy?: boolean;
}

function stackYaml(image: string, ports: InstancePorts, opts: StackOptions = {}) {
  const ready = opts.unhealthy ? '/nonexistent' : '/tmp/ready';
  const kongCheck = opts.kongUnhealthy ? '/nonexistent' : '/bin';
  return `# hand-written stand-in for a rendered stack: db with a healthcheck, kong after it, rest without one
services:
  db:
    image: ${image}
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "mkdir -p /tmp; echo db starting; echo db warming up >&2; touch /tmp/ready; exec httpd -f -p 5432 -h /tmp"]
    healthcheck:
      test: ["CMD", "test", "-f", "${ready}"]
      interval: 1s
      timeout: 2s
      retries: 2
    ports:
      - "127.0.0.1:${ports.postgres}:5432"
      - "127.0.0.1:${ports.poolerTransaction}:6543"
    volumes:
      - dbdata:/data
  kong:
    image: ${image}
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "exec httpd -f -p 8000 -h /"]
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "test", "-d", "${kongCheck}"]
      interval: 1s
      timeout: 2s
      retries: 2
    ports:
      - "127.0.0.1:${ports.kongHttp}:8000"
      - "127.0.0.1:${ports.kongHttps}:8443"
  rest:
    image: ${image}
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "i=0; while true; do i=$$((i+1)); echo tick $$i; sleep 0.2; done"]
volumes:
  dbdata: {}
`;
}

/** A LogSink that records batches and can play a slow consumer. */
function recordingSink(opts: { refuseFirst?: boolean } = {}) {
  const lines: LogLine[] = [];
  let drain: (() => void) | undefined;
  let refuse = opts.refuseFirst ?? false;
  let ended: { error?: { code: string; message: string } } | undefined;
  return {
    lines,
    get ended() {
      return ended;
    },
    release() {
      refuse = false;
      drain?.();
    },
    sink: {
      write(batch: LogLine[]) {
        lines.push(...batch);
        return !refuse;
      },
      onDrain(resume: () => void) {
        drain = resume;
      },
      end(error?: { code: string; message: string }) {
        ended = error ? { error } : {};
      },
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fileExists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('lifecycle on the real engine (busybox stacks)', () => {
  let image: string;
  let dataDir: string;
  let engine: DockerEngine;
  let registry: MemoryRegistry;
  let lifecycle: DockerLifecycle;
  let host: DockerHost;
  let config: LifecycleDeps['config'];
  const audit: { action: string; result: string; code?: string }[] = [];
  const ids: string[] = [];

  const instanceDir = (id: string) => join(dataDir, 'instances', id);

  async function prepare(id: string, opts: StackOptions = {}): Promise<Instance> {
    const [kongHttp, kongHttps, postgres, poolerTransaction] = await freePorts(4);
    const ports = {
      kongHttp: kongHttp!,
      kongHttps: kongHttps!,
      postgres: postgres!,
      poolerTransaction: poolerTransaction!,
    };
    const inst = newInstance(id, ports);
    await mkdir(instanceDir(id), { recursive: true, mode: 0o700 });
    await writeFile(join(instanceDir(id), 'docker-compose.yml'), stackYaml(image, ports, opts));
    await writeFile(join(instanceDir(id), '.env'), 'UNUSED=1\n', { mode: 0o600 });
    registry.add(inst);
    ids.push(id);
    return inst;
  }

  beforeAll(async () => {
    image = await busyboxImage();
    dataDir = await mkdtemp(join(tmpdir(), 'ubt-lifecycle-'));
    engine = createDockerEngine();
    registry = new MemoryRegistry();
    config = {
      creationConcurrency: 2,
      resources: { minFreeMemoryMb: 64, minFreeDiskMb: 64, maxLoadPerCore: 1000 },
      dataDir,
      healthTimeoutMs: 60_000,
    };
    host = createDockerHost({ dataDir, engine });
    lifecycle = createLifecycle(
      {
        registry,
        docker: host,
        locks: new InstanceLocks(),
        instanceDir,
        emit: (e) => registry.emit(e),
        audit: (entry) => audit.push(entry),
        config,
      },
      { retryBaseMs: 200 },
    );
    // An agent that has been up a while has detected compose already (it does so at start).
    await host.versions();
  });

  afterAll(async () => {
    await lifecycle?.close();
    await host?.close();
    // Whatever a failed assertion left behind goes, so reruns start clean.
    for (const id of ids) {
      await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=ub_${id}`]).then(
        async (out) => {
          const cs = out.split('\n').filter(Boolean);
          if (cs.length) await docker(['rm', '-fv', ...cs]).catch(() => {});
        },
      );
      await docker(['network', 'rm', `ub_${id}_default`]).catch(() => {});
      await docker(['volume', 'rm', '-f', `ub_${id}_dbdata`]).catch(() => {});
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let a: Instance;
  let b: Instance;

  it('creates two instances at once: both reach running, with distinct ports and a full progress story', async () => {
    a = await prepare(`lca${Date.now().toString(36)}`);
    b = await prepare(`lcb${Date.now().toString(36)}`);
    const t0 = performance.now();
    const qa = lifecycle.enqueueCreate(a.id);
    const qb = lifecycle.enqueueCreate(b.id);
    expect(qa.queuePosition).toBe(0);
    expect(qb.queuePosition).toBe(0);
    const timings: Record<string, number> = {};
    await Promise.all(
      [a, b].map(async (inst) => {
        await registry.waitFor(
          (e) =>
            e.type === 'instance.changed' &&
            e.instance.id === inst.id &&
            (e.instance.status === 'running' || e.instance.status === 'failed'),
          90_000,
        );
        timings[inst.id] = performance.now() - t0;
      }),
    );
    expect(registry.get(a.id)?.error).toBeUndefined();
    expect(registry.statusOf(a.id)).toBe('running');
    expect(registry.statusOf(b.id)).toBe('running');
    expect(registry.get(a.id)?.services?.map((s) => s.service)).toEqual(['db', 'kong', 'rest']);
    expect(registry.get(a.id)?.services?.find((s) => s.service === 'db')?.health).toBe('healthy');

    const portsA = Object.values(a.ports);
    const portsB = Object.values(b.ports);
    expect(new Set([...portsA, ...portsB]).size).toBe(8);
    const published = await host.publishedPorts();
    for (const p of [...portsA, ...portsB]) expect(published.has(p)).toBe(true);
    for (const p of [...portsA, ...portsB]) expect(await canBind(p)).toBe(false);

    const story = lifecycle.progress(a.id);
    expect(story.finished).toBe(true);
    const steps = story.events.map((e) => `${e.step}:${e.status}`);
    for (const s of [
      'resources:done',
      'docker:done',
      'pull:done',
      'start:done',
      'health:done',
      'done:done',
    ]) {
      expect(steps).toContain(s);
    }
    const pull = story.events.find((e) => e.step === 'pull' && e.image);
    expect(pull).toMatchObject({ image, percent: 100, message: 'present locally, not pulled' });
    expect(
      story.events
        .filter((e) => e.step === 'health' && e.service)
        .map((e) => e.service)
        .sort(),
    ).toEqual(['db', 'kong', 'rest']);
    expect(story.events.map((e) => e.seq)).toEqual(story.events.map((_, i) => i + 1));
    // The same story went out as instance.progress events.
    const pushed = registry.events.filter(
      (e): e is Extract<AgentEvent, { type: 'instance.progress' }> =>
        e.type === 'instance.progress' && e.event.instanceId === a.id,
    );
    expect(pushed.map((e) => e.event.seq)).toEqual(story.events.map((e) => e.seq));

    // Report: enqueue → running, and the control-plane share (all but `compose up` and health).
    const at = (e: ProgressEvent | undefined) => (e ? Date.parse(e.at) : NaN);
    const find = (step: string, status: string) =>
      story.events.find((e) => e.step === step && e.status === status);
    const controlMs =
      at(find('start', 'started')) -
      at(find('queued', 'done')) +
      (at(find('done', 'done')) - at(find('health', 'done')));
    const timeline = story.events.map(
      (e) => `${e.step}:${e.status}@${Date.parse(e.at) - at(story.events[0])}`,
    );
    console.log(`[lifecycle timing] steps of A (ms since enqueue): ${timeline.join(' ')}`);
    console.log(
      `[lifecycle timing] enqueue→running: A ${timings[a.id]!.toFixed(0)} ms, B ${timings[b.id]!.toFixed(0)} ms ` +
        `(concurrency 2); control-plane part of A: ${controlMs} ms ` +
        `(compose up ${at(find('start', 'done')) - at(find('start', 'started'))} ms, ` +
        `health ${at(find('health', 'done')) - at(find('health', 'started'))} ms)`,
    );
    expect(
      audit.filter((x) => x.action === 'instances.create.finish' && x.result === 'ok'),
    ).toHaveLength(2);
  });

  it('turns an instance degraded within seconds when a container is killed, pushed as an event', async () => {
    const serviceContainer = async (service: string) =>
      (await engine.listContainers({ project: b.project, all: true })).find(
        (c) => c.Labels['com.docker.compose.service'] === service,
      )!;
    let mark = registry.events.length;
    const t0 = performance.now();
    await docker(['kill', (await serviceContainer('kong')).Id]);
    const degraded = await registry.waitFor(instanceStatusEvent(b.id, 'degraded'), 10_000, mark);
    console.log(
      `[lifecycle timing] docker kill → degraded pushed: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const kong =
      degraded.type === 'instance.changed'
        ? degraded.instance.services?.find((s) => s.service === 'kong')
        : undefined;
    expect(kong?.state).toBe('exited');
    // A manual kill is not restarted by Docker: the instance stays degraded until someone acts.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(registry.statusOf(b.id)).toBe('degraded');
    expect((await lifecycle.restart(b.id)).status).toBe('running');

    // A crash inside (not a manual kill) is restarted by the policy, and the status follows back.
    mark = registry.events.length;
    // kill -1: every process but PID 1 (docker-init), which then exits as if the service crashed.
    await docker(['exec', (await serviceContainer('rest')).Id, 'sh', '-c', 'kill -9 -1']).catch(
      () => {}, // the exec's own shell may die with the rest
    );
    // Docker restarts it within milliseconds, so the push may skip "degraded"; what must reach
    // subscribers is the new restart count, with the instance running again.
    const crashed = await registry.waitFor(
      (e) =>
        e.type === 'instance.changed' &&
        e.instance.id === b.id &&
        e.instance.status === 'running' &&
        (e.instance.services?.find((s) => s.service === 'rest')?.restarts ?? 0) >= 1,
      30_000,
      mark,
    );
    expect(crashed.type).toBe('instance.changed');
  });

  it('streams logs: tail then follow, with service, stream and timestamp, pausing when the sink is full', async () => {
    const rec = recordingSink({ refuseFirst: true });
    const handle = lifecycle.followLogs(b.id, { tail: 3, follow: true }, rec.sink);
    await until(() => rec.lines.length > 0, 10_000, 'first log lines');
    // The sink said "full": nothing more may arrive until it drains.
    await new Promise((r) => setTimeout(r, 1_000));
    const whilePaused = rec.lines.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(rec.lines.length).toBe(whilePaused);
    rec.release();
    await until(
      () => rec.lines.some((l) => l.service === 'rest' && l.text.startsWith('tick')),
      10_000,
      'rest ticks',
    );
    const before = rec.lines.length;
    await until(() => rec.lines.length > before + 3, 10_000, 'followed lines');
    // The follow outlives a crash of the service: Docker ends the stream, we attach again.
    const rest = (await engine.listContainers({ project: b.project })).find(
      (c) => c.Labels['com.docker.compose.service'] === 'rest',
    )!;
    const restartsBefore = (await engine.inspectContainer(rest.Id)).RestartCount;
    await docker(['exec', rest.Id, 'sh', '-c', 'kill -9 -1']).catch(() => {});
    await until(
      async () => (await engine.inspectContainer(rest.Id)).RestartCount > restartsBefore,
      20_000,
      'rest restarted',
    );
    const afterCrash = rec.lines.length;
    await until(
      () => rec.lines.slice(afterCrash).filter((l) => l.service === 'rest').length > 3,
      20_000,
      'lines after the restart',
    );
    expect(rec.ended).toBeUndefined();
    handle.cancel();
    const ticks = rec.lines.filter((l) => l.service === 'rest').map((l) => l.time);
    expect(new Set(ticks).size).toBe(ticks.length); // nothing sent twice across the re-attach
    const services = new Set(rec.lines.map((l) => l.service));
    expect(services.has('rest')).toBe(true);
    expect(services.has('db')).toBe(true);
    const stderr = rec.lines.find((l) => l.stream === 'stderr');
    expect(stderr).toMatchObject({ service: 'db', text: 'db warming up' });
    for (const l of rec.lines) expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT/);

    // One service, no follow: the tail, then the end.
    const one = recordingSink();
    lifecycle.followLogs(b.id, { service: 'rest', tail: 5, follow: false }, one.sink);
    await until(() => one.ended !== undefined, 10_000, 'end of tail');
    expect(one.ended?.error).toBeUndefined();
    expect(one.lines).toHaveLength(5);
    expect(one.lines.every((l) => l.service === 'rest' && l.stream === 'stdout')).toBe(true);

    const missing = recordingSink();
    lifecycle.followLogs(b.id, { service: 'nosuch', follow: false }, missing.sink);
    await until(() => missing.ended !== undefined, 10_000, 'end');
    expect(missing.ended?.error?.code).toBe('NOT_FOUND');
  });

  it('reports stats per service', async () => {
    const stats = await lifecycle.stats(b.id);
    expect(stats.map((s) => s.service)).toEqual(['db', 'kong', 'rest']);
    for (const s of stats) {
      expect(s.memoryBytes).toBeGreaterThan(0);
      expect(s.memoryLimitBytes).toBeGreaterThan(0);
      expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
    }
    expect(stats.find((s) => s.service === 'rest')!.cpuPercent).toBeGreaterThan(0);
  });

  it('stops, starts and restarts, one operation at a time', async () => {
    const stopping = lifecycle.stop(a.id);
    await expect(lifecycle.start(a.id)).rejects.toMatchObject({ code: 'BUSY' });
    const stopped = await stopping;
    expect(stopped.status).toBe('stopped');
    expect(stopped.services?.every((s) => s.state === 'exited')).toBe(true);
    for (const p of Object.values(a.ports)) expect(await canBind(p)).toBe(true);
    // Late events of the stop must not turn it into "degraded".
    await new Promise((r) => setTimeout(r, 500));
    expect(registry.statusOf(a.id)).toBe('stopped');

    const started = await lifecycle.start(a.id);
    expect(started.status).toBe('running');
    expect(started.services?.every((s) => s.state === 'running')).toBe(true);

    const restarted = await lifecycle.restart(a.id);
    expect(restarted.status).toBe('running');
    await new Promise((r) => setTimeout(r, 500));
    expect(registry.statusOf(a.id)).toBe('running');
  });

  it('follows events again after dockerd-side reconnects (reconcile aligns a status changed behind its back)', async () => {
    // Simulate a missed event: the registry says degraded while Docker shows all healthy.
    await registry.update(a.id, { status: 'degraded' });
    await lifecycle.reconcile();
    expect(registry.statusOf(a.id)).toBe('running');
  });

  it('deletes: no container, network, volume or file remains and the ports are free', async () => {
    for (const inst of [a, b]) {
      expect((await leftovers(engine, inst.project)).volumes).toHaveLength(1);
      await lifecycle.remove(inst.id);
      registry.drop(inst.id);
      expect(await leftovers(engine, inst.project)).toEqual({
        containers: [],
        networks: [],
        volumes: [],
      });
      expect(await fileExists(instanceDir(inst.id))).toBe(false);
      for (const p of Object.values(inst.ports)) expect(await canBind(p)).toBe(true);
      expect(lifecycle.progress(inst.id).events).toEqual([]);
    }
  });

  it('fails a creation whose service never becomes healthy, with reason and logs, leaving nothing', async () => {
    const bad = await prepare(`lcu${Date.now().toString(36)}`, { unhealthy: true });
    config.healthTimeoutMs = 8_000;
    try {
      lifecycle.enqueueCreate(bad.id);
      await registry.waitFor(instanceStatusEvent(bad.id, 'failed'), 60_000);
    } finally {
      config.healthTimeoutMs = 60_000;
    }
    const failed = registry.get(bad.id)!;
    expect(failed.error).toMatchObject({ code: 'UNHEALTHY', service: 'db' });
    expect(failed.error!.reason).toMatch(/db/);
    expect(failed.error!.logs).toContain('db starting');
    expect(await leftovers(engine, bad.project)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
    for (const p of Object.values(bad.ports)) expect(await canBind(p)).toBe(true);
    const steps = lifecycle.progress(bad.id).events.map((e) => `${e.step}:${e.status}`);
    expect(steps).toContain('rollback:done');
    expect(lifecycle.progress(bad.id).finished).toBe(true);
    await lifecycle.remove(bad.id);
    registry.drop(bad.id);
  });

  it('cancels a creation in its health wait at once: failed with CANCELLED, nothing left, ports free', async () => {
    const slow = await prepare(`lcc${Date.now().toString(36)}`, { kongUnhealthy: true });
    lifecycle.enqueueCreate(slow.id);
    const steps = () => lifecycle.progress(slow.id).events.map((e) => `${e.step}:${e.status}`);
    await until(() => steps().includes('health:started'), 60_000, 'the health wait');
    expect((await leftovers(engine, slow.project)).containers.length).toBeGreaterThan(0);
    const t0 = performance.now();
    const after = await lifecycle.cancelCreate(slow.id);
    const ms = performance.now() - t0;
    console.log(`cancel during health wait, rollback included: ${ms.toFixed(0)} ms`);
    expect(after).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
    expect(steps()).toEqual(expect.arrayContaining(['health:failed', 'rollback:done']));
    expect(lifecycle.progress(slow.id).finished).toBe(true);
    expect(await leftovers(engine, slow.project)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
    for (const p of Object.values(slow.ports)) expect(await canBind(p)).toBe(true);
    expect(audit.at(-1)).toMatchObject({ result: 'error', code: 'CANCELLED' });
    await lifecycle.remove(slow.id);
    registry.drop(slow.id);
  });

  it('refuses a creation when the host lacks memory, saying how much is missing', async () => {
    const meminfo = await readFile('/proc/meminfo', 'utf8');
    const availMb = Math.floor(Number(/MemAvailable:\s+(\d+)/.exec(meminfo)![1]) / 1024);
    const thresholds = { ...config.resources, minFreeMemoryMb: availMb + 100_000 };
    await expect(checkResources(thresholds, () => readHost(dataDir))).rejects.toMatchObject({
      code: 'INSUFFICIENT_RESOURCES',
      data: { memoryMissingMb: expect.any(Number) },
    });
    const err = (await checkResources(thresholds, () => readHost(dataDir)).then(
      () => ({ data: { memoryMissingMb: -1 } }),
      (e: unknown) => e,
    )) as { data: { memoryMissingMb: number } };
    expect(err.data.memoryMissingMb).toBeGreaterThanOrEqual(99_000);
    expect(err.data.memoryMissingMb).toBeLessThanOrEqual(101_000);

    const poor = await prepare(`lcr${Date.now().toString(36)}`);
    const saved = config.resources;
    config.resources = thresholds;
    try {
      lifecycle.enqueueCreate(poor.id);
      await registry.waitFor(instanceStatusEvent(poor.id, 'failed'), 30_000);
    } finally {
      config.resources = saved;
    }
    const failure = registry.get(poor.id)!.error!;
    expect(failure.code).toBe('INSUFFICIENT_RESOURCES');
    expect(failure.reason).toMatch(/MB missing/);
    expect(await leftovers(engine, poor.project)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
    await lifecycle.remove(poor.id);
    registry.drop(poor.id);
  });
});
