// Bulk restart of 20 projects on the machine's real Docker engine and compose, through the
// whole agent (wire, rights, registry, lifecycle, per-instance locks): the client that asked
// closes its connection midway and the agent finishes the job anyway. Stacks are two small
// busybox services each (as in lifecycle-busybox.test.ts), so 20 projects cost 40 containers.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkJob } from '@protocol/bulk';
import type { AgentEvent, Instance } from '@protocol/types';
import { createLogger } from '../../remote-agent/src/log/logger';
import type { Agent } from '../../remote-agent/src/server';
import type { RpcClient } from './agent-harness';
import { ADMIN, connectClient, docker, rigAgentConfig, startRigAgent, waitFor } from './rig-agent';
import { busyboxImage } from '../rig/busybox';

const COUNT = 20;

const stackYaml = (image: string) => `services:
  db:
    image: ${image}
    init: true
    command: ["sh", "-c", "mkdir -p /tmp; touch /tmp/ready; exec sleep 86400"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 2s
      retries: 3
  rest:
    image: ${image}
    init: true
    command: ["sh", "-c", "exec sleep 86400"]
`;

let dataDir: string;
let agent: Agent;
let admin: RpcClient;
const instances: Instance[] = [];

/** When each container of the project last started. */
async function startedAt(project: string): Promise<string[]> {
  const ids = (await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`))
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  return (await docker('inspect', '-f', '{{.State.StartedAt}}', ...ids))
    .split('\n')
    .filter(Boolean);
}

beforeAll(async () => {
  const image = await busyboxImage();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubt-fleet-'));
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  ({ agent, client: admin } = await startRigAgent({
    dataDir,
    config: rigAgentConfig({
      maxInstances: COUNT + 5,
      creationConcurrency: 4,
      portRanges: {
        kongHttp: [base, base + 99],
        kongHttps: [base + 100, base + 199],
        postgres: [base + 200, base + 299],
        poolerTransaction: [base + 300, base + 399],
      },
      // Twenty projects at the default size would commit 60 GB of limits; these are busybox
      // stacks that use a few MB, so the memory account must not refuse them.
      capacity: { memoryOvercommit: 100 },
    }),
    detectExternalHost: () => '127.0.0.1',
    stackWriter: {
      write: (dir) => writeFile(path.join(dir, 'docker-compose.yml'), stackYaml(image)),
    },
    logger: createLogger({ sink: () => {} }),
    healthTimeoutMs: 120_000,
    startScheduler: false,
  }));
  for (let n = 0; n < COUNT; n++) {
    const { instance } = await admin.call<{ instance: Instance }>('instances.create', {
      name: `bulk-${n}`,
    });
    instances.push(instance);
  }
  await waitFor(
    `${COUNT} projects running`,
    () => {
      const now = instances.map((i) => agent.registry.get(i.id)!);
      const failed = now.find((i) => i.status === 'failed');
      if (failed) throw new Error(`${failed.name} failed: ${JSON.stringify(failed.error)}`);
      return now.every((i) => i.status === 'running') ? true : undefined;
    },
    300_000,
    100,
  );
}, 420_000);

afterAll(async () => {
  if (agent) {
    // A creation still under way holds its lock and would refuse the delete: let it end first.
    await Promise.race([agent.lifecycle.idle(), new Promise((r) => setTimeout(r, 180_000))]);
    const { client } = connectClient(agent);
    await client.login(ADMIN.username, ADMIN.password).catch(() => undefined);
    for (const i of instances) {
      await client.call('instances.delete', { id: i.id }).catch(() => undefined);
    }
    await agent.close();
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 300_000);

describe('bulk restart on real Docker', () => {
  it('restarts 20 projects and goes on after the client that asked has disconnected', async () => {
    const before = new Map<string, string[]>();
    for (const i of instances) before.set(i.id, await startedAt(i.project));
    expect([...before.values()].every((s) => s.length === 2)).toBe(true);

    const events: AgentEvent[] = [];
    const off = agent.events.subscribe((e) => events.push(e));
    const asker = connectClient(agent);
    await asker.client.login(ADMIN.username, ADMIN.password);
    const began = Date.now();
    const { job } = await asker.client.call<{ job: BulkJob }>('bulk.start', {
      action: 'restart',
      ids: instances.map((i) => i.id),
    });
    expect(job).toMatchObject({ total: COUNT, done: 0, failed: 0, skipped: 0 });

    // Midway: a few restarted, the rest not yet. The window closes.
    const itemEnds = () =>
      events.filter(
        (e) => e.type === 'bulk.progress' && e.job.id === job.id && e.item?.status === 'done',
      ).length;
    await waitFor(
      'the first restarts to finish',
      () => (itemEnds() >= 2 ? true : undefined),
      120_000,
      100,
    );
    const doneAtClose = itemEnds();
    asker.close();
    expect(doneAtClose).toBeLessThan(COUNT);

    const end = await waitFor(
      'the job to finish without its client',
      () =>
        events.find(
          (e): e is Extract<AgentEvent, { type: 'bulk.progress' }> =>
            e.type === 'bulk.progress' && e.job.id === job.id && e.job.finishedAt !== undefined,
        ),
      300_000,
      100,
    );
    off();
    const ms = Date.now() - began;
    console.log(
      `bulk restart of ${COUNT}: ${ms} ms; ${doneAtClose} done when the client closed its connection`,
    );
    expect(end.job).toMatchObject({ total: COUNT, done: COUNT, failed: 0 });

    // Every container of every project really started again, and every project runs.
    for (const i of instances) {
      const after = await startedAt(i.project);
      const old = before.get(i.id)!;
      expect(after).toHaveLength(2);
      for (const t of after) expect(old).not.toContain(t);
      expect(agent.registry.get(i.id)!.status).toBe('running');
    }
    // Another connection reads the whole job, item by item; the audit names each project.
    const { job: read } = await admin.call<{ job: BulkJob }>('bulk.get', { job: job.id });
    expect(read.items.map((i) => i.status)).toEqual(Array(COUNT).fill('done'));
    const audit = await readFile(path.join(dataDir, 'audit.log'), 'utf8');
    expect(audit.split('\n').filter((l) => l.includes(job.id))).toHaveLength(COUNT);
  }, 420_000);
});
