// Sizes, optional services and the project subnet on one real instance: the agent creates the
// full stack on the rig's stand-in images under the machine's dockerd and docker-compose v1 as
// `small` with Functions and imgproxy off. Every container must carry the small limits (docker
// inspect), the two services must have no container and no Kong route, diagnostics must be clean
// and repair must not bring them back; a lost network comes back with the same subnet; changing
// the size to `medium` recreates the services with the new limits and keeps a row written
// before; turning Functions on later starts it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceSecrets } from '../../remote-agent/src/credentials/secrets';
import { InstanceFiles } from '../../remote-agent/src/instances/files';
import type { DiagnosticReport, Instance } from '@protocol/types';
import type { Agent } from '../../remote-agent/src/server';
import { MEMORY_MB } from '../../remote-agent/src/sizing/profiles';
import type { StackServiceName } from '../../remote-agent/src/stack/services/definition';
import { ensureStandinImages } from '../rig/images';
import type { RpcClient } from './agent-harness';
import {
  docker,
  projectSql,
  rigAgentConfig,
  startRigAgent,
  waitFor,
  waitRunning,
} from './rig-agent';

const ROW = `sized-${process.pid}`;
let dataDir: string;
let agent: Agent;
let client: RpcClient;
let instance: Instance;
let secrets: InstanceSecrets;

interface Inspected {
  Config: { Labels: Record<string, string> };
  HostConfig: { Memory: number; MemorySwap: number; NanoCpus: number };
}

/** Every container of the project, by service: what docker inspect says about its limits. */
async function containers(): Promise<Map<string, Inspected['HostConfig']>> {
  const ids = (
    await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${instance.project}`)
  )
    .split('\n')
    .filter(Boolean);
  const out = new Map<string, Inspected['HostConfig']>();
  if (ids.length === 0) return out;
  for (const c of JSON.parse(await docker('inspect', ...ids)) as Inspected[]) {
    out.set(c.Config.Labels['com.docker.compose.service']!, c.HostConfig);
  }
  return out;
}

const db = (statements: string[]) => projectSql(instance, secrets, statements);

function failing(report: DiagnosticReport): string[] {
  return report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
}

function expectLimits(
  found: Map<string, Inspected['HostConfig']>,
  profile: 'small' | 'medium',
): void {
  for (const [service, hc] of found) {
    const mb = MEMORY_MB[service as StackServiceName][profile];
    expect({ service, memory: hc.Memory, swap: hc.MemorySwap }).toEqual({
      service,
      memory: mb * 1024 * 1024,
      swap: mb * 1024 * 1024,
    });
    expect(hc.NanoCpus, service).toBeGreaterThan(0);
  }
}

beforeAll(async () => {
  const { images } = await ensureStandinImages();
  dataDir = await mkdtemp(join(tmpdir(), 'ubt-capstack-'));
  ({ agent, client } = await startRigAgent({
    dataDir,
    config: rigAgentConfig({
      images,
      portRanges: {
        kongHttp: [23000, 23099],
        kongHttps: [23100, 23199],
        postgres: [23200, 23299],
        poolerTransaction: [23300, 23399],
      },
    }),
    healthTimeoutMs: 300_000,
    startScheduler: false,
  }));
  const created = await client.call<{ instance: Instance }>('instances.create', {
    name: 'sized',
    size: { profile: 'small' },
    optionalServices: { functions: false, imgproxy: false },
  });
  instance = await waitRunning(client, created.instance.id);
  secrets = await new InstanceFiles(dataDir).readSecrets(instance.id);
}, 900_000);

afterAll(async () => {
  if (instance) await client.call('instances.delete', { id: instance.id }).catch(() => undefined);
  client?.close();
  await agent?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 300_000);

describe('a small project without Functions and imgproxy', () => {
  it('has small memory limits on every service and no container for the two', async () => {
    expect(instance.size).toEqual({ profile: 'small' });
    const found = await containers();
    expect([...found.keys()].sort()).toEqual(
      ['auth', 'db', 'kong', 'meta', 'realtime', 'rest', 'storage', 'studio', 'supavisor'].sort(),
    );
    expectLimits(found, 'small');
  });

  it('has no Kong route to them, and diagnoses clean', async () => {
    const kong = await readFile(
      join(dataDir, 'instances', instance.id, 'volumes/api/kong.yml'),
      'utf8',
    );
    expect(kong).not.toMatch(/functions|imgproxy/);
    const { report } = await client.call<{ report: DiagnosticReport }>('instances.diagnose', {
      id: instance.id,
    });
    expect(failing(report)).toEqual([]);
    expect(report.checks.map((c) => c.id).join(' ')).not.toMatch(/functions|imgproxy/);
  });

  it('repair recreates a lost network with the same subnet and does not bring them back', async () => {
    const network = `${instance.project}_default`;
    const subnetOf = async () =>
      (
        JSON.parse(await docker('network', 'inspect', network)) as {
          IPAM: { Config: { Subnet: string }[] };
        }[]
      )[0]!.IPAM.Config.map((c) => c.Subnet);
    expect(instance.subnet).toMatch(/^10\.231\./);
    expect(await subnetOf()).toEqual([instance.subnet]);
    await db([
      'CREATE TABLE ub_size_probe (v text)',
      `INSERT INTO ub_size_probe VALUES ('${ROW}')`,
    ]);
    for (const id of (await docker('ps', '-q', '--filter', `network=${network}`)).split('\n')) {
      if (id) await docker('network', 'disconnect', '-f', network, id);
    }
    await docker('network', 'rm', network);
    const result = await client.call<{ actions: { kind: string }[] }>('instances.repair', {
      id: instance.id,
    });
    expect(result.actions.map((a) => a.kind)).toContain('recreate-network');
    expect(await subnetOf()).toEqual([instance.subnet]);
    const found = await containers();
    expect(found.has('functions')).toBe(false);
    expect(found.has('imgproxy')).toBe(false);
  }, 600_000);

  it('changing the size to medium recreates the services with the new limits, data kept', async () => {
    const { instance: after } = await client.call<{ instance: Instance }>('instances.reshape', {
      id: instance.id,
      size: { profile: 'medium' },
    });
    expect(after.size).toEqual({ profile: 'medium' });
    const found = await containers();
    expect(found.size).toBe(9);
    expectLimits(found, 'medium');
    const rows = await waitFor(
      'the database to answer',
      () =>
        db(['SELECT v FROM ub_size_probe']).then(
          (r) => r[0]!.rows,
          () => undefined,
        ),
      60_000,
    );
    expect(rows).toEqual([[ROW]]);
  }, 600_000);

  it('samples the running project’s usage from the real engine into usage.history', async () => {
    // Two one-shot readings of the real containers' counters: the second has deltas.
    await agent.usageSampler.sample();
    await new Promise((r) => setTimeout(r, 1500));
    await agent.usageSampler.sample();
    const { samples, intervalMs } = await client.call<{
      samples: {
        at: number;
        cpuPercent: number;
        memoryMb: number;
        netRxKb: number;
        diskMb: number;
      }[];
      intervalMs: number;
    }>('usage.history', { id: instance.id });
    expect(intervalMs).toBe(300_000);
    expect(samples).toHaveLength(2);
    const [first, second] = samples;
    expect(second!.at).toBeGreaterThan(first!.at);
    // Nine stand-in containers idle at a few MB each; none uses more than its small limit.
    expect(second!.memoryMb).toBeGreaterThan(5);
    expect(second!.memoryMb).toBeLessThan(1504);
    expect(second!.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(second!.netRxKb)).toBe(true);
    // The first sample walked the project's folder (the database's data is in it); the
    // second carries that until the next hourly walk.
    expect(first!.diskMb).toBeGreaterThan(1);
    expect(second!.diskMb).toBe(first!.diskMb);
    const since = await client.call<{ samples: unknown[] }>('usage.history', {
      id: instance.id,
      since: second!.at,
    });
    expect(since.samples).toHaveLength(1);
  }, 120_000);

  it('turning Functions on later starts it with a Kong route', async () => {
    await client.call('instances.reshape', {
      id: instance.id,
      optionalServices: { functions: true },
    });
    const found = await containers();
    expect(found.has('functions')).toBe(true);
    expect(found.has('imgproxy')).toBe(false);
    const kong = await readFile(
      join(dataDir, 'instances', instance.id, 'volumes/api/kong.yml'),
      'utf8',
    );
    expect(kong).toMatch(/functions-v1/);
    expect((await agent.registry.get(instance.id))!.status).toBe('running');
  }, 600_000);
});
