// A full disk under the agent's data directory, for real: a 40 MB tmpfs is mounted over it, the
// agent runs on the machine's Docker engine with busybox stacks. A creation is refused up front
// when the disk is low; a creation that fills the disk midway (after its stack is up, before its
// record says running) is rolled back with DISK_FULL, and the registry file stays whole.
import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, Instance } from '@protocol/types';
import { alertFor } from '../../remote-agent/src/alerts/bridges';
import { DEFAULT_CONFIG } from '../../remote-agent/src/config/schema';
import { RESERVE_FILE } from '../../remote-agent/src/disk';
import { createLogger } from '../../remote-agent/src/log/logger';
import { createAgent, type Agent } from '../../remote-agent/src/server';
import { RpcClient, RpcError } from './agent-harness';
import { busyboxImage } from '../rig/busybox';

const PASSWORD = 'correct horse battery';

let dataDir: string;
let gateDir: string;
let mounted = false;
let agent: Agent | undefined;
let admin: RpcClient;

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 120_000, env }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`))
        : resolve(stdout),
    ),
  );
}

/** db turns healthy only once the test opens the gate (a file in a folder outside the tmpfs). */
const stackYaml = (image: string) => `services:
  db:
    image: ${image}
    init: true
    command: ["sh", "-c", "exec sleep 86400"]
    volumes:
      - ${gateDir}:/gate:ro
    healthcheck:
      test: ["CMD", "test", "-f", "/gate/open"]
      interval: 1s
      timeout: 2s
      retries: 120
  rest:
    image: ${image}
    init: true
    command: ["sh", "-c", "exec sleep 86400"]
`;

function connect(): RpcClient {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  agent!.connect(toAgent, fromAgent);
  return new RpcClient(fromAgent, toAgent);
}

async function until<T>(what: string, probe: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes a file until the disk refuses (ENOSPC); resolves with the bytes it took. */
async function fillDisk(file: string, limitBytes = Infinity): Promise<number> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  let written = 0;
  try {
    while (written < limitBytes) {
      const size = Math.min(chunk.length, limitBytes - written);
      try {
        written += (await handle.write(chunk, 0, size)).bytesWritten;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
  return written;
}

async function stateOnDisk(): Promise<{ instances: Record<string, Instance> }> {
  return JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as {
    instances: Record<string, Instance>;
  };
}

async function projectObjects(project: string): Promise<string[]> {
  const label = `label=com.docker.compose.project=${project}`;
  const out = await Promise.all([
    run('docker', ['ps', '-aq', '--filter', label]),
    run('docker', ['network', 'ls', '-q', '--filter', label]),
    run('docker', ['volume', 'ls', '-q', '--filter', label]),
  ]);
  return out.flatMap((o) => o.split('\n').filter(Boolean));
}

beforeAll(async () => {
  const image = await busyboxImage();
  gateDir = await mkdtemp(path.join(tmpdir(), 'ubt-disk-gate-'));
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubt-disk-data-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0700', 'tmpfs', dataDir]);
  mounted = true;
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  agent = await createAgent({
    dataDir,
    config: {
      ...DEFAULT_CONFIG,
      portRanges: {
        kongHttp: [base, base + 99],
        kongHttps: [base + 100, base + 199],
        postgres: [base + 200, base + 299],
        poolerTransaction: [base + 300, base + 399],
      },
      // The 40 MB disk: a creation needs 20 MB free; memory and load are not this test's matter.
      resources: { minFreeMemoryMb: 1, minFreeDiskMb: 20, maxLoadPerCore: 1_000 },
      capacity: { memoryOvercommit: 100 },
    },
    detectExternalHost: () => '127.0.0.1',
    stackWriter: {
      write: (dir) => writeFile(path.join(dir, 'docker-compose.yml'), stackYaml(image)),
    },
    logger: createLogger({ sink: () => {} }),
    healthTimeoutMs: 60_000,
    startScheduler: false,
    recovery: false,
  });
  await agent.auth.createUser('admin', PASSWORD, 'admin');
  admin = connect();
  await admin.login('admin', PASSWORD);
}, 120_000);

afterAll(async () => {
  if (agent) {
    await Promise.race([agent.lifecycle.idle(), new Promise((r) => setTimeout(r, 30_000))]);
    await rm(path.join(dataDir, 'filler'), { force: true });
    for (const i of agent.registry.list()) {
      await admin.call('instances.delete', { id: i.id }).catch(() => undefined);
    }
    await agent.close();
  }
  if (mounted) await run('umount', [dataDir]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (gateDir) await rm(gateDir, { recursive: true, force: true });
}, 120_000);

describe('a full disk under the data directory (40 MB tmpfs)', () => {
  it('holds its reserve, and refuses a creation up front with the numbers when the disk is low', async () => {
    expect(await readdir(dataDir)).toContain(RESERVE_FILE);
    // Leave about 12 MB free: below the 20 MB a creation needs.
    const filler = path.join(dataDir, 'filler');
    const { bavail, bsize } = await statfs(dataDir);
    await fillDisk(filler, bavail * bsize - 12 * 2 ** 20);
    const before = await readFile(path.join(dataDir, 'state.json'), 'utf8');

    const refused = await admin
      .call('instances.create', { name: 'no-room' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).code).toBe('INSUFFICIENT_RESOURCES');
    const data = (refused as RpcError).error.data;
    expect(data).toMatchObject({ resource: 'disk', operation: 'create', requiredMb: 20 });
    expect(data.diskFreeMb).toBeLessThan(20);
    expect((refused as RpcError).message).toMatch(
      /MB free of \d+ MB .* 20 MB required \(\d+ MB missing\)/,
    );
    // Nothing was written: no record, no project folder, the registry file unchanged.
    expect(agent!.registry.list()).toEqual([]);
    expect(await readdir(path.join(dataDir, 'instances')).catch(() => [])).toEqual([]);
    expect(await readFile(path.join(dataDir, 'state.json'), 'utf8')).toBe(before);
    await rm(filler);
  }, 60_000);

  it('rolls back a creation that fills the disk midway, with DISK_FULL and the registry whole', async () => {
    const events: AgentEvent[] = [];
    const off = agent!.events.subscribe((e) => events.push(e));
    const { instance } = await admin.call<{ instance: Instance }>('instances.create', {
      name: 'fills-up',
    });
    // The stack is up and waiting for its health: now the disk fills to the last byte.
    await until(
      'the health step',
      () =>
        events.some(
          (e) =>
            e.type === 'instance.progress' &&
            e.event.instanceId === instance.id &&
            e.event.step === 'health',
        ) || undefined,
      60_000,
    );
    expect(await projectObjects(instance.project)).not.toEqual([]);
    const took = await fillDisk(path.join(dataDir, 'filler'));
    expect(took).toBeGreaterThan(0);
    await writeFile(path.join(gateDir, 'open'), '');

    const failed = await until(
      'the creation to fail',
      () => {
        const now = agent!.registry.get(instance.id);
        return now?.status === 'failed' ? now : undefined;
      },
      60_000,
    );
    await agent!.lifecycle.idle();
    off();
    expect(failed.error).toMatchObject({ code: 'DISK_FULL' });
    expect(failed.error!.reason).toContain('containers, network and volumes were removed');
    // Rolled back in Docker: nothing of the project is left.
    expect(await projectObjects(instance.project)).toEqual([]);
    // The registry file is whole and says the truth (the reserve paid for this write).
    const onDisk = await stateOnDisk();
    expect(onDisk.instances[instance.id]).toMatchObject({
      status: 'failed',
      error: { code: 'DISK_FULL' },
    });
    expect((await readdir(dataDir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(await readdir(dataDir)).not.toContain(RESERVE_FILE);
    // The audit entry that ended it raises the operation.disk-full alert.
    const audit = events.find(
      (e): e is Extract<AgentEvent, { type: 'audit' }> =>
        e.type === 'audit' && e.entry.code === 'DISK_FULL',
    );
    expect(audit?.entry).toMatchObject({ action: 'instances.create.finish', target: instance.id });
    expect(
      alertFor(
        audit!,
        (id) => agent!.registry.get(id),
        () => new Date(),
      ),
    ).toMatchObject({ kind: 'operation.disk-full', project: 'fills-up' });
    // Space back: the agent, never restarted, still serves from the same registry.
    await rm(path.join(dataDir, 'filler'));
    const { instances } = await admin.call<{ instances: Instance[] }>('instances.list');
    expect(instances.map((i) => [i.name, i.status])).toEqual([['fills-up', 'failed']]);
  }, 120_000);
});
