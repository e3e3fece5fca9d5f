// A clone onto a second server, for real: two rig hosts one after the other, each with its own
// agent bootstrapped by the desktop core over SSH, and a third rig sshd as the SFTP destination.
// The first server backs a project up to SFTP and the desktop keeps its repository key; then
// that server is disconnected and its host is gone ("the old server died"). A second host comes
// up, and the core's cloneBackupToServer restores the backup into a new project there with only
// what the keychain holds. Only one host may see the machine's Docker folders at a time (see
// test/rig/hosts.ts), which is why the hosts take turns; the source project's containers keep
// running on the machine's engine meanwhile, so "its own ports and network" is checked against
// a project that really holds its own. (The 100,000-row proof is in backups.test.ts.)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktop, type Desktop } from '../../electron/src/core/desktop';
import {
  createKeytarSecretStore,
  type SecretKind,
  type SecretStore,
} from '../../electron/src/core/profiles/secret-store';
import type { ProjectView } from '@contract/api';
import type { BackupJobView } from '@contract/backups';
import { checksumTree } from '../../remote-agent/src/backups/file-tree';
import { ensureResticStandin, ensureStandinImages } from '../rig/images';
import { startHost, type VpsHost } from '../rig/hosts';
import { build, BUNDLE, CLI, waitFor } from './core-helpers';
import { RIG_HEALTHCHECK_INTERVAL_MS } from './rig-agent';
import {
  canSignIn,
  docker,
  networksOf,
  publishedPortsOf,
  removeProjectFromEngine,
  roleLogin,
  sqlIn,
  tableChecksum,
} from './stack-facts';

const ROWS = 5_000;
const FILES = 5;
const USER_EMAIL = 'rosa@example.com';
const USER_PASSWORD = 'old password, still mine';

let desktop: Desktop;
let secrets: SecretStore;
const serverIds: string[] = [];
let sftp: VpsHost;
let first: VpsHost | undefined;
let second: VpsHost | undefined;
let secondServerId: string | undefined;
let agentConfig: string;
let cliEnv: NodeJS.ProcessEnv;
const projects: string[] = [];

/** A dockerView host with an agent.json for the rig, added to the desktop and connected. */
async function connectServer(name: string): Promise<{ host: VpsHost; serverId: string }> {
  const host = await startHost({ dockerView: true, name });
  await writeFile(path.join(host.dirs.etc, 'agent.json'), agentConfig);
  const server = await desktop.addServer({
    name,
    host: host.address,
    port: host.port,
    auth: 'key',
    keyPath: host.rootKeyPath,
    secrets: { agentPassword: `${name}-admin-Secret-${randomBytes(4).toString('hex')}` },
  });
  serverIds.push(server.id);
  await desktop.trustHostKey(server.id, host.hostKeyFingerprint);
  await desktop.connectServer(server.id);
  return { host, serverId: server.id };
}

async function untilJobDone(serverId: string, jobId: string): Promise<BackupJobView> {
  const job = await waitFor(
    `backup job ${jobId}`,
    async () => {
      const view = await desktop.backupJob(serverId, jobId);
      return view.finished ? view : undefined;
    },
    300_000,
  );
  expect(job.error, JSON.stringify(job.error)).toBeUndefined();
  return job;
}

/** The `ultrabase` CLI on the same settings folder and keychain as the desktop above. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI, ...args], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const storageOf = (host: VpsHost, instanceId: string) =>
  path.join(host.dirs.varLib, 'instances', instanceId, 'volumes/storage');

beforeAll(async () => {
  build('agent');
  build('cli');
  const standins = await ensureStandinImages();
  agentConfig = JSON.stringify({
    images: { ...standins.images, 'restic/restic': await ensureResticStandin() },
    autoRepair: false,
    // A shared, busy machine: the thresholds are the agent's to test, not this file's.
    resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
    healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
  });
  const home = mkdtempSync(path.join(tmpdir(), 'ub-second-host-'));
  const bundle = path.join(home, 'agent.cjs');
  copyFileSync(BUNDLE, bundle);
  const knownHostsPath = path.join(home, 'known_hosts');
  writeFileSync(knownHostsPath, '');
  // The machine's real keychain, shared with the CLI below; this file removes its entries.
  secrets = createKeytarSecretStore();
  desktop = createDesktop({
    home,
    agentBundlePath: bundle,
    localServer: false,
    knownHostsPath,
    secrets,
  });
  cliEnv = {
    ...process.env,
    ULTRABASE_HOME: home,
    ULTRABASE_AGENT_BUNDLE: bundle,
    ULTRABASE_KNOWN_HOSTS: knownHostsPath,
  };
  sftp = await startHost({ name: 'backups-sftp' });
  await sftp.exec(['mkdir', '-p', '/root/repo']);
}, 900_000);

afterAll(async () => {
  // Whatever the second server holds, also when a test failed before its name was known.
  if (secondServerId) {
    for (const p of await desktop.listProjects(secondServerId).catch(() => [])) {
      projects.push(p.project);
    }
  }
  await desktop?.close();
  const kinds: SecretKind[] = [
    'sshPassword',
    'keyPassphrase',
    'agentPassword',
    'agentToken',
    'backupRepositoryPassword',
    'backupDestinations',
  ];
  for (const id of serverIds) {
    for (const kind of kinds) await secrets.delete(id, kind).catch(() => undefined);
  }
  // The second server's agent goes first: alive, it would start a project whose containers
  // vanish, and compose would make its network again after the clean-up below (a failed run
  // left two such networks, and the next file's subnet overlapped them).
  await second?.stop();
  // The projects straight from the engine: the first server's agent is gone by design.
  for (const project of projects) await removeProjectFromEngine(project);
  await first?.stop();
  if (first) await rm(first.tempDir, { recursive: true, force: true });
  await sftp?.stop();
}, 300_000);

describe('clone onto a second server after the first is gone', () => {
  let source: ProjectView;
  let before: { table: string; files: Awaited<ReturnType<typeof checksumTree>> };
  let sourceNetworks: Record<string, string>;
  let firstServerId: string;
  let sourcePassword: string;

  it('backs a project up on the first server to SFTP; the key goes to the keychain', async () => {
    const t0 = Date.now();
    const a = await connectServer('vps-old');
    first = a.host;
    firstServerId = a.serverId;
    source = (await desktop.createProject(a.serverId, { name: 'shop prod' })).project;
    projects.push(source.project);
    await waitFor(
      'the source project to run',
      async () => {
        const p = await desktop.projectProgress(a.serverId, source.id);
        return p.finished ? p : undefined;
      },
      300_000,
    );
    source = (await desktop.listProjects(a.serverId)).find((p) => p.id === source.id)!;
    expect(source.status).toBe('running');

    await sqlIn(
      source.project,
      'CREATE TABLE public.orders (id int PRIMARY KEY, body text NOT NULL);' +
        `INSERT INTO public.orders SELECT g, md5(g::text) FROM generate_series(1, ${ROWS}) g;` +
        'INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, created_at, updated_at) ' +
        `VALUES ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', ` +
        `'authenticated', '${USER_EMAIL}', extensions.crypt('${USER_PASSWORD}', extensions.gen_salt('bf')), now(), now())`,
    );
    const bucket = path.join(storageOf(first, source.id), 'stub/stub/invoices');
    await mkdir(bucket, { recursive: true });
    for (let i = 0; i < FILES; i++) {
      await writeFile(path.join(bucket, `invoice-${i}.pdf`), randomBytes(4096 + i * 1013));
    }
    before = {
      table: await tableChecksum(source.project, 'public.orders'),
      files: await checksumTree(storageOf(first, source.id), storageOf(first, source.id)),
    };
    expect(before.table).toMatch(new RegExp(`^${ROWS}:`));
    expect(before.files).toHaveLength(FILES);
    expect(await canSignIn(source.project, USER_EMAIL, USER_PASSWORD)).toBe('t');
    sourceNetworks = await networksOf(source.project);
    sourcePassword = (await desktop.projectCredentials(a.serverId, source.id)).postgresPassword;

    // What a person does while the server is alive: keep its key, add an off-server destination.
    const key = await desktop.saveBackupKey(a.serverId);
    expect(key.shownOnce).toMatch(/\S{20,}/);
    expect(await secrets.get(a.serverId, 'backupRepositoryPassword')).toBe(key.shownOnce);
    const destination = await desktop.addBackupDestination(a.serverId, {
      kind: 'sftp',
      name: 'offsite',
      host: sftp.address,
      port: sftp.port,
      user: 'root',
      path: '/root/repo',
      privateKey: sftp.rootPrivateKey,
      knownHosts: sftp.hostPublicKey,
    });
    const started = await desktop.createBackup(a.serverId, source.id, {
      destinations: [destination.id],
    });
    const job = await untilJobDone(a.serverId, started.jobId);
    expect(job.backupId).toBeDefined();
    console.log(`[second-host] first server up, project created, backed up: ${Date.now() - t0} ms`);
  }, 600_000);

  it('clones it onto a second server with the keychain alone: same data, own ports and network', async () => {
    // The old server is gone: no session, no sshd, no agent (its containers stay on the engine).
    await desktop.disconnectServer(firstServerId);
    await first!.stop({ keepFiles: true });
    const sourcePorts = await publishedPortsOf(source.project);
    expect(sourcePorts.length).toBeGreaterThan(0);

    const t0 = Date.now();
    const b = await connectServer('vps-new');
    second = b.host;
    secondServerId = b.serverId;
    const t1 = Date.now();
    // Through the CLI, as a person would: it finds the old server unreachable and takes the
    // project's id (which the backups carry); the core takes key and credentials from the keychain.
    const run = await cli([
      'backups',
      'clone',
      'vps-old',
      source.id,
      '--to-server',
      'vps-new',
      '--name',
      'shop staging',
      '--json',
    ]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const started = JSON.parse(run.stdout) as {
      jobId: string;
      backupId: string;
      server: string;
      project: ProjectView;
    };
    projects.push(started.project.project);
    expect(started.server).toBe(b.serverId);
    // the CLI followed the job to its end; the job on the new server says it went well
    const job = await desktop.backupJob(b.serverId, started.jobId);
    expect(job.finished).toBe(true);
    expect(job.error, JSON.stringify(job.error)).toBeUndefined();
    expect(job.events.at(-1)?.phase).toBe('done');
    const ms = Date.now() - t1;
    // The job ends once the stack is started again (compose up), not once every service is
    // healthy: the card turns running when Docker's health checks pass.
    const clone = await waitFor(
      'the clone to be running',
      async () =>
        (await desktop.listProjects(b.serverId)).find(
          (p) => p.id === started.project.id && p.status === 'running',
        ),
      90_000,
    );
    expect(clone.name).toBe('shop staging');

    // the same data
    expect(await tableChecksum(clone.project, 'public.orders')).toBe(before.table);
    const storage = storageOf(second, clone.id);
    expect(await checksumTree(storage, storage)).toEqual(before.files);
    expect(await canSignIn(clone.project, USER_EMAIL, USER_PASSWORD)).toBe('t');

    // its own ports and network, next to the source's still on the same engine
    expect(clone.project).not.toBe(source.project);
    const all = new Set([...Object.values(source.ports), ...Object.values(clone.ports)]);
    expect(all.size).toBe(8);
    const clonePorts = await publishedPortsOf(clone.project);
    expect(clonePorts.some((p) => sourcePorts.includes(p))).toBe(false);
    expect(clonePorts).toContain(clone.ports.kongHttp);
    const cloneNetworks = await networksOf(clone.project);
    expect(Object.keys(cloneNetworks).length).toBeGreaterThan(0);
    for (const [name, subnet] of Object.entries(cloneNetworks)) {
      expect(Object.keys(sourceNetworks)).not.toContain(name);
      expect(Object.values(sourceNetworks)).not.toContain(subnet);
    }
    if (clone.subnet) expect(Object.values(cloneNetworks)).toContain(clone.subnet);
    // and its own role passwords: its services log in with the clone's, not the source's
    const clonePassword = (await desktop.projectCredentials(b.serverId, clone.id)).postgresPassword;
    expect(clonePassword).not.toBe(sourcePassword);
    expect(await roleLogin(clone.project, 'authenticator', clonePassword)).toBe('1');
    expect(await roleLogin(clone.project, 'authenticator', sourcePassword)).toBe('refused');
    // every service of the clone runs
    const states = (
      await docker([
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${clone.project}`,
        '--format',
        '{{.State}}',
      ])
    )
      .split('\n')
      .filter(Boolean);
    expect(states.length).toBeGreaterThan(5);
    expect(states.every((s) => s === 'running')).toBe(true);
    console.log(
      `[second-host] second server up in ${t1 - t0} ms; clone from SFTP with the keychain's key: ${ms} ms`,
    );
  }, 600_000);
});
