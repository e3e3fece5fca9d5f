// The Engine API client and the event follower against the machine's real dockerd, reached
// through a unix-socket proxy the test controls: closing the proxy is what a dockerd restart
// looks like from the agent (socket gone, streams cut), without disturbing anyone else's engine.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine, type DockerEvent } from '../../remote-agent/src/docker/engine';
import { createTransport } from '../../remote-agent/src/docker/transport';
import { withRetry } from '../../remote-agent/src/docker/retry';
import { DockerEventFollower } from '../../remote-agent/src/docker/event-follower';

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, { timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    ),
  );
}

/** A stand-in for the Docker socket: pass-through, refusing (reset), or gone. */
class SocketProxy {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  mode: 'pass' | 'reset' = 'pass';
  constructor(readonly path: string) {}

  async start(): Promise<void> {
    await rm(this.path, { force: true });
    this.server = createServer((client) => {
      if (this.mode === 'reset') {
        client.destroy();
        return;
      }
      const upstream = connect('/var/run/docker.sock');
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on('close', () => this.open.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  /** What dockerd stopping looks like: every connection cut, the socket gone. */
  async stop(): Promise<void> {
    // Stop listening first, so nothing new slips in, then cut what is open; close's callback
    // is not awaited: it waits for connections that the kernel may report closed only later.
    this.server?.close();
    for (const s of this.open) s.destroy();
    this.server = undefined;
    await rm(this.path, { force: true });
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('docker engine client (real dockerd)', () => {
  let dir: string;
  let proxy: SocketProxy;
  let image: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ubt-docker-'));
    proxy = new SocketProxy(join(dir, 'docker.sock'));
    await proxy.start();
    // Any local image will do for containers that only need to exist.
    image = (await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']))
      .split('\n')
      .find((l) => l && !l.includes('<none>'))!;
  });

  afterAll(async () => {
    await proxy?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('talks to the engine: version, image presence, list by compose project', async () => {
    const engine = createDockerEngine(createTransport(proxy.path));
    await engine.ping();
    const v = await engine.version();
    expect(v.version).toMatch(/^\d+\.\d+/);
    expect(await engine.imageExists(image)).toBe(true);
    expect(await engine.imageExists('ultrabase-test/never-built:0')).toBe(false);
    expect(await engine.listContainers({ project: 'ub_nosuchproject', all: true })).toEqual([]);
  });

  it('says DOCKER_UNAVAILABLE when the socket is missing', async () => {
    const engine = createDockerEngine(createTransport(join(dir, 'missing.sock')));
    await expect(engine.ping()).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });

  it('fails a pull of an image no registry can give with PULL_FAILED', async () => {
    const engine = createDockerEngine(createTransport(proxy.path));
    await expect(
      engine.pullImage('registry.invalid/ultrabase/none:1', () => {}),
    ).rejects.toMatchObject({ code: 'PULL_FAILED' });
  });

  it('retries through connection resets, reporting each attempt', async () => {
    const engine = createDockerEngine(createTransport(proxy.path));
    proxy.mode = 'reset';
    const attempts: number[] = [];
    const result = withRetry(() => engine.version(), {
      attempts: 5,
      baseDelayMs: 100,
      onRetry: (attempt) => {
        attempts.push(attempt);
        if (attempt === 3) proxy.mode = 'pass';
      },
    });
    await expect(result).resolves.toMatchObject({ version: expect.any(String) });
    expect(attempts).toEqual([2, 3]);
  });

  it('follows events, and after the engine goes away and comes back, reconnects and says so', async () => {
    const engine = createDockerEngine(createTransport(proxy.path));
    const events: { project: string; ev: DockerEvent }[] = [];
    let reconnects = 0;
    let disconnects = 0;
    const follower = new DockerEventFollower(
      engine,
      {
        onEvent: (project, ev) => events.push({ project, ev }),
        onReconnected: () => (reconnects += 1),
        onDisconnected: () => (disconnects += 1),
      },
      { baseMs: 50, maxMs: 500 },
    );
    follower.start();
    const project = `ub_evt${Date.now().toString(36)}`;
    const run = (name: string) =>
      docker([
        'create',
        '--name',
        name,
        '--label',
        `com.docker.compose.project=${project}`,
        '--label',
        'com.docker.compose.service=x',
        image,
      ]);
    const names = [`${project}_a`, `${project}_b`];
    try {
      await new Promise((r) => setTimeout(r, 300));
      await run(names[0]!);
      await until(() => events.some((e) => e.ev.Action === 'create'), 10_000, 'create event');
      // A compose project that is not ours is not reported.
      await docker([
        'create',
        '--name',
        `${project}_other`,
        '--label',
        'com.docker.compose.project=someone_else',
        image,
      ]);
      names.push(`${project}_other`);

      await proxy.stop();
      await until(() => disconnects > 0, 10_000, 'disconnect');
      await new Promise((r) => setTimeout(r, 300)); // a few failed reconnects while it is down
      await proxy.start();
      await until(() => reconnects === 1, 10_000, 'reconnect');
      const before = events.length;
      await run(names[1]!);
      await until(() => events.length > before, 10_000, 'event after reconnect');
      expect(events.every((e) => e.project === project)).toBe(true);
    } finally {
      await follower.stop();
      await docker(['rm', '-f', ...names]).catch(() => {});
    }
  });
});
