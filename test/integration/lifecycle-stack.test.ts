// The full Supabase stack as the agent renders it (renderStack + generateCredentials), run by the
// lifecycle on the real engine with the rig's stand-in images (test/rig/images.json): two
// creations at once, a killed container, logs, stop/start/restart, delete without leftovers,
// and a stack whose auth service never becomes healthy (images-extra.json `unhealthy`).
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials } from '../../remote-agent/src/credentials';
import { renderStack, writeStackFiles } from '../../remote-agent/src/stack';
import type { Instance, LogLine, ProgressEvent } from '@protocol/types';
import type { LifecycleDeps } from '../../remote-agent/src/lifecycle/types';
import { createDockerEngine, type DockerEngine } from '../../remote-agent/src/docker/engine';
import { createLifecycle, type DockerLifecycle } from '../../remote-agent/src/lifecycle';
import { createDockerHost, type DockerHost } from '../../remote-agent/src/docker/host';
import { InstanceLocks } from '../../remote-agent/src/instances/state';
import { ensureStandinImages } from '../rig/images';
import {
  MemoryRegistry,
  canBind,
  freePorts,
  instanceStatusEvent,
  leftovers,
  newInstance,
} from './lifecycle-helpers';
import { RIG_HEALTHCHECK_INTERVAL_MS } from './rig-agent';

function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`))
        : resolve(stdout),
    ),
  );
}

const fileExists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('lifecycle with the rendered Supabase stack on stand-in images', () => {
  let images: Record<string, string>;
  let extra: Record<string, string>;
  let dataDir: string;
  let engine: DockerEngine;
  let registry: MemoryRegistry;
  let lifecycle: DockerLifecycle;
  let host: DockerHost;
  let config: LifecycleDeps['config'];
  const ids: string[] = [];
  const instanceDir = (id: string) => join(dataDir, 'instances', id);

  async function prepare(prefix: string, overrides: Record<string, string> = {}) {
    const id = `${prefix}${Date.now().toString(36)}`;
    const [kongHttp, kongHttps, postgres, poolerTransaction] = await freePorts(4);
    const ports = {
      kongHttp: kongHttp!,
      kongHttps: kongHttps!,
      postgres: postgres!,
      poolerTransaction: poolerTransaction!,
    };
    const rendered = renderStack({
      instanceId: id,
      name: `stack ${id}`,
      ports,
      exposure: 'private',
      secrets: generateCredentials(),
      imageOverrides: { ...images, ...overrides },
      healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
    });
    await writeStackFiles(instanceDir(id), rendered);
    const inst = newInstance(id, ports);
    registry.add(inst);
    ids.push(id);
    return inst;
  }

  beforeAll(async () => {
    ({ images, extra } = await ensureStandinImages());
    dataDir = await mkdtemp(join(tmpdir(), 'ubt-lcstack-'));
    engine = createDockerEngine();
    registry = new MemoryRegistry();
    config = {
      creationConcurrency: 2,
      resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
      dataDir,
      healthTimeoutMs: 240_000,
    };
    host = createDockerHost({ dataDir, engine });
    lifecycle = createLifecycle({
      registry,
      docker: host,
      locks: new InstanceLocks(),
      instanceDir,
      emit: (e) => registry.emit(e),
      audit: () => {},
      config,
    });
    await host.versions();
  });

  afterAll(async () => {
    await lifecycle?.close();
    await host?.close();
    for (const id of ids) {
      const out = await docker([
        'ps',
        '-aq',
        '--filter',
        `label=com.docker.compose.project=ub_${id}`,
      ]);
      const cs = out.split('\n').filter(Boolean);
      if (cs.length) await docker(['rm', '-fv', ...cs]).catch(() => {});
      await docker(['network', 'rm', `ub_${id}_default`]).catch(() => {});
      const vols = (
        await docker([
          'volume',
          'ls',
          '-q',
          '--filter',
          `label=com.docker.compose.project=ub_${id}`,
        ])
      )
        .split('\n')
        .filter(Boolean);
      if (vols.length) await docker(['volume', 'rm', '-f', ...vols]).catch(() => {});
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let a: Instance;
  let b: Instance;

  it('creates two instances at once; both reach running with distinct ports', async () => {
    a = await prepare('sta');
    b = await prepare('stb');
    const t0 = performance.now();
    lifecycle.enqueueCreate(a.id);
    lifecycle.enqueueCreate(b.id);
    const took: Record<string, number> = {};
    await Promise.all(
      [a, b].map(async (inst) => {
        await registry.waitFor(
          (e) =>
            e.type === 'instance.changed' &&
            e.instance.id === inst.id &&
            (e.instance.status === 'running' || e.instance.status === 'failed'),
          300_000,
        );
        took[inst.id] = performance.now() - t0;
      }),
    );
    for (const inst of [a, b]) {
      const err = registry.get(inst.id)?.error;
      if (err) console.log(`[lifecycle stack] ${inst.id} failed:`, JSON.stringify(err, null, 1));
      expect(err).toBeUndefined();
      expect(registry.statusOf(inst.id)).toBe('running');
      const services = registry.get(inst.id)!.services!;
      expect(services).toHaveLength(11);
      expect(services.every((s) => s.state === 'running' && s.health !== 'unhealthy')).toBe(true);
    }
    expect(new Set([...Object.values(a.ports), ...Object.values(b.ports)]).size).toBe(8);
    for (const p of [...Object.values(a.ports), ...Object.values(b.ports)]) {
      expect(await canBind(p)).toBe(false);
    }
    const story = lifecycle.progress(a.id).events;
    const at = (step: string, status: string) =>
      Date.parse(story.find((e: ProgressEvent) => e.step === step && e.status === status)!.at);
    const control =
      at('start', 'started') - at('queued', 'done') + (at('done', 'done') - at('health', 'done'));
    const pulls = story.filter((e) => e.step === 'pull' && e.image);
    expect(pulls).toHaveLength(11);
    expect(pulls.every((e) => e.message === 'present locally, not pulled')).toBe(true);
    console.log(
      `[lifecycle timing, full stack] enqueue→running: A ${took[a.id]!.toFixed(0)} ms, B ${took[b.id]!.toFixed(0)} ms (2 at once); ` +
        `A: control plane ${control} ms, compose up ${at('start', 'done') - at('start', 'started')} ms, ` +
        `health wait ${at('health', 'done') - at('health', 'started')} ms`,
    );
  });

  it('turns degraded within seconds when a container is killed, pushed as an event', async () => {
    const mark = registry.events.length;
    const rest = (await engine.listContainers({ project: a.project })).find(
      (c) => c.Labels['com.docker.compose.service'] === 'rest',
    )!;
    const t0 = performance.now();
    await docker(['kill', rest.Id]);
    await registry.waitFor(instanceStatusEvent(a.id, 'degraded'), 10_000, mark);
    console.log(
      `[lifecycle timing, full stack] kill → degraded pushed: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(registry.get(a.id)!.services!.find((s) => s.service === 'rest')!.state).toBe('exited');
  });

  it('streams the logs of a running instance', async () => {
    const lines: LogLine[] = [];
    let ended = false;
    const handle = lifecycle.followLogs(
      b.id,
      { tail: 20, follow: true },
      {
        write: (batch) => {
          lines.push(...batch);
          return true;
        },
        onDrain: () => {},
        end: () => {
          ended = true;
        },
      },
    );
    const deadline = Date.now() + 15_000;
    while (new Set(lines.map((l) => l.service)).size < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    handle.cancel();
    expect(ended).toBe(false);
    expect(new Set(lines.map((l) => l.service)).size).toBeGreaterThanOrEqual(5);
    expect(
      lines.every(
        (l) => /^\d{4}-/.test(l.time) && (l.stream === 'stdout' || l.stream === 'stderr'),
      ),
    ).toBe(true);
  });

  it('restarts a degraded instance, stops and starts it', async () => {
    expect((await lifecycle.restart(a.id)).status).toBe('running');
    const stopped = await lifecycle.stop(a.id);
    expect(stopped.status).toBe('stopped');
    for (const p of Object.values(a.ports)) expect(await canBind(p)).toBe(true);
    expect((await lifecycle.start(a.id)).status).toBe('running');
    const stats = await lifecycle.stats(a.id);
    expect(stats).toHaveLength(11);
    expect(stats.find((s) => s.service === 'db')!.memoryBytes).toBeGreaterThan(0);
  });

  it('deletes both: no container, network, volume or file remains; ports are free', async () => {
    for (const inst of [a, b]) {
      await lifecycle.remove(inst.id);
      registry.drop(inst.id);
      expect(await leftovers(engine, inst.project)).toEqual({
        containers: [],
        networks: [],
        volumes: [],
      });
      expect(await fileExists(instanceDir(inst.id))).toBe(false);
      for (const p of Object.values(inst.ports)) expect(await canBind(p)).toBe(true);
    }
  });

  it('fails a creation whose auth never becomes healthy, keeping reason and logs, leaving nothing', async () => {
    const bad = await prepare('stu', { 'supabase/gotrue': extra.unhealthy! });
    config.healthTimeoutMs = 40_000;
    try {
      lifecycle.enqueueCreate(bad.id);
      await registry.waitFor(instanceStatusEvent(bad.id, 'failed'), 240_000);
    } finally {
      config.healthTimeoutMs = 240_000;
    }
    const error = registry.get(bad.id)!.error!;
    expect(error.code).toBe('UNHEALTHY');
    expect(error.service).toBe('auth');
    expect(error.reason).toMatch(/auth/);
    expect(error.logs!.length).toBeGreaterThan(0);
    expect(await leftovers(engine, bad.project)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
    for (const p of Object.values(bad.ports)) expect(await canBind(p)).toBe(true);
    await lifecycle.remove(bad.id);
    registry.drop(bad.id);
    expect(await fileExists(instanceDir(bad.id))).toBe(false);
  });
});
