// 120 projects' networks on the machine's real Docker engine, whose default address pools give
// out after ~30 bridge networks: the real agent bundle allocates a subnet per project (dry-run
// creations, so no Supabase images), then every project's network is created on the engine from
// the subnet in the compose file the agent rendered, all at once; a few of them are brought up by
// compose v1 itself from the rendered `networks:` block (with one created, not started, busybox
// container), which proves compose takes that block as it is. All 120 must come up with distinct,
// non-overlapping subnets and no address-pool error; the agent stays under 100 MB RSS with 120 registered; deleting frees every
// subnet; a network already on the engine inside the agent's range is never handed out.
import { readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '@protocol/types';
import { formatCidr, overlaps, parseCidr } from '../../remote-agent/src/network/cidr';
import {
  adminCreate,
  buildAgent,
  RpcClient,
  rssKb,
  startDaemon,
  type Daemon,
} from './agent-harness';
import { busyboxImage } from '../rig/busybox';
import { run } from './rig-agent';

const COUNT = 120;
/** Projects brought up by compose itself; the rest get their network straight from the engine. */
const COMPOSE_SAMPLES = 3;
/** Engine calls in flight at once: the bring-up is one `docker network create` per project. */
const PARALLEL = 16;
const FOREIGN = { name: 'ubt-capacity-foreign', subnet: '10.231.0.64/27' };
const ADMIN = { username: 'root', password: 'root-password-1' };
let dir: string;
let dataDir: string;
let daemon: Daemon;
let admin: RpcClient;
let other: RpcClient;
let image: string;
/** Compose projects brought up (compose down removes them), and networks created directly. */
const projects: string[] = [];
const networks: string[] = [];

/** The top-level `networks:` block of the compose file the agent rendered for this project. */
async function renderedNetworks(instance: Instance): Promise<string> {
  const rendered = await readFile(
    path.join(dataDir, 'instances', instance.id, 'docker-compose.yml'),
    'utf8',
  );
  const networks = rendered.slice(rendered.indexOf('\nnetworks:\n') + 1);
  expect(networks).toMatch(/^networks:\n {2}default:\n/);
  return networks;
}

/** The subnet written in the rendered file (not the registry's copy: the file is what runs). */
async function renderedSubnet(instance: Instance): Promise<string> {
  const match = /\bsubnet: "?([0-9./]+)"?/.exec(await renderedNetworks(instance));
  if (!match?.[1]) throw new Error(`no subnet in the compose file of ${instance.id}`);
  return match[1];
}

/** A one-service compose file on the network block the agent rendered for this project. */
async function minimalCompose(instance: Instance): Promise<string> {
  const networks = await renderedNetworks(instance);
  const file = path.join(dir, `${instance.id}.yml`);
  await writeFile(
    file,
    `services:\n  probe:\n    image: "${image}"\n    command: ["sleep", "3600"]\n${networks}`,
  );
  return file;
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size)
    await Promise.all(items.slice(i, i + size).map(each));
}

async function composeDown(project: string, file: string) {
  await run('docker-compose', ['-p', project, '-f', file, 'down', '--timeout', '0']).catch(
    () => undefined,
  );
}

/** The engine network compose would make for the project, with the labels compose gives it. */
async function createNetwork(instance: Instance): Promise<void> {
  const name = `${instance.project}_default`;
  networks.push(name);
  await run('docker', [
    'network',
    'create',
    '--subnet',
    await renderedSubnet(instance),
    '--label',
    `com.docker.compose.project=${instance.project}`,
    '--label',
    'com.docker.compose.network=default',
    name,
  ]);
}

/** Removes the networks created directly, several engine calls at once. */
async function removeNetworks(): Promise<void> {
  await inBatches(networks.splice(0), PARALLEL, (name) =>
    run('docker', ['network', 'rm', name]).then(
      () => undefined,
      () => undefined,
    ),
  );
}

beforeAll(async () => {
  buildAgent();
  image = await busyboxImage();
  dir = mkdtempSync(path.join(tmpdir(), 'ub-capacity-'));
  dataDir = path.join(dir, 'data');
  await run('docker', ['network', 'rm', FOREIGN.name]).catch(() => undefined);
  await run('docker', ['network', 'create', '--subnet', FOREIGN.subnet, FOREIGN.name]);
  // Dry runs may take half of the smallest port range, 100 per person: two people, 400 ports.
  writeFileSync(
    path.join(dir, 'agent.json'),
    JSON.stringify({
      maxInstances: 200,
      portRanges: {
        kongHttp: [32000, 32399],
        kongHttps: [32400, 32799],
        postgres: [33000, 33399],
        poolerTransaction: [33400, 33799],
      },
    }),
  );
  expect(adminCreate(dataDir, ADMIN.username, ADMIN.password).status).toBe(0);
  daemon = await startDaemon({
    dataDir,
    socket: path.join(dir, 'run', 'agent.sock'),
    args: ['--config', path.join(dir, 'agent.json')],
    env: { INVOCATION_ID: '' },
  });
  admin = await RpcClient.connect(daemon.socket);
  await admin.login(ADMIN.username, ADMIN.password);
  await admin.call('users.create', { username: 'ana', password: 'ana-password-1', role: 'user' });
  other = await RpcClient.connect(daemon.socket);
  await other.login('ana', 'ana-password-1');
}, 180_000);

afterAll(async () => {
  await inBatches(projects, 8, (p) => composeDown(p, path.join(dir, `${p.slice(3)}.yml`)));
  await removeNetworks();
  await run('docker', ['network', 'rm', FOREIGN.name]).catch(() => undefined);
  admin?.close();
  other?.close();
  await daemon?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
}, 300_000);

describe(`${COUNT} project networks on the real engine`, () => {
  it('allocates distinct subnets, brings all networks up, stays under 100 MB', async () => {
    const started = Date.now();
    const made: Instance[] = [];
    // A few creations in flight at once, as several people would: the allocation is serialized
    // by the agent, so they must still get distinct subnets.
    await inBatches(
      Array.from({ length: COUNT }, (_, i) => i),
      4,
      async (i) => {
        const client = i % 2 === 0 ? admin : other;
        const { instance } = await client.call<{ instance: Instance }>('instances.create', {
          name: `net-${i}`,
          dryRun: true,
        });
        made.push(instance);
      },
    );
    const createMs = Date.now() - started;
    const rssMb = rssKb(daemon.pid) / 1024;

    const subnets = made.map((i) => i.subnet!);
    expect(subnets.every((s) => parseCidr(s) !== undefined)).toBe(true);
    expect(new Set(subnets).size).toBe(COUNT);
    const blocks = subnets.map((s) => parseCidr(s)!);
    for (let i = 0; i < blocks.length; i++) {
      for (let j = i + 1; j < blocks.length; j++)
        expect(overlaps(blocks[i]!, blocks[j]!)).toBe(false);
    }
    // The network already on the engine inside the range was seen and stepped over.
    expect(blocks.some((b) => overlaps(b, parseCidr(FOREIGN.subnet)!))).toBe(false);

    const upStarted = Date.now();
    const sampled = made.slice(0, COMPOSE_SAMPLES);
    await Promise.all([
      ...sampled.map(async (instance) => {
        const file = await minimalCompose(instance);
        projects.push(instance.project);
        await run('docker-compose', ['-p', instance.project, '-f', file, 'up', '--no-start']);
      }),
      inBatches(made.slice(COMPOSE_SAMPLES), PARALLEL, createNetwork),
    ]);
    const upMs = Date.now() - upStarted;

    const inspected = JSON.parse(
      await run('docker', ['network', 'inspect', ...made.map((i) => `${i.project}_default`)]),
    ) as { Name: string; IPAM: { Config: { Subnet: string }[] } }[];
    expect(inspected).toHaveLength(COUNT);
    for (const network of inspected) {
      const instance = made.find((i) => `${i.project}_default` === network.Name)!;
      expect(network.IPAM.Config.map((c) => c.Subnet)).toEqual([instance.subnet]);
    }
    const rssAfterMb = rssKb(daemon.pid) / 1024;
    console.log(
      `${COUNT} dry-run creations in ${(createMs / 1000).toFixed(1)} s ` +
        `(4 at a time); ${COUNT} networks up (${COMPOSE_SAMPLES} by compose) in ` +
        `${(upMs / 1000).toFixed(1)} s; agent RSS ${rssMb.toFixed(1)} MB after creation, ` +
        `${rssAfterMb.toFixed(1)} MB with ${COUNT} registered`,
    );
    expect(rssAfterMb).toBeLessThanOrEqual(100);
  }, 600_000);

  it('frees every subnet on delete: the next project gets the first one again', async () => {
    const { instances } = await admin.call<{ instances: Instance[] }>('instances.list', {});
    const started = Date.now();
    // The engine's networks and the agent's entries go at the same time: they do not wait on
    // each other (a dry run's delete touches only its files and the registry).
    await Promise.all([
      (async () => {
        await inBatches(projects.splice(0), 8, (p) =>
          composeDown(p, path.join(dir, `${p.slice(3)}.yml`)),
        );
        await removeNetworks();
      })(),
      inBatches(instances, 8, async (instance) => {
        await admin.call('instances.delete', { id: instance.id });
      }),
    ]);
    console.log(
      `${instances.length} deleted, networks removed, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect((await admin.call<{ instances: Instance[] }>('instances.list', {})).instances).toEqual(
      [],
    );
    const { instance } = await admin.call<{ instance: Instance }>('instances.create', {
      name: 'after',
      dryRun: true,
    });
    expect(instance.subnet).toBe(formatCidr(parseCidr('10.231.0.0/27')!));
    await admin.call('instances.delete', { id: instance.id });
  }, 600_000);
});
