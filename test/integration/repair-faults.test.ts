// Fault injection on one real instance: the agent (control plane + Docker lifecycle) creates a
// full stack on the rig's stand-in images under the machine's dockerd and docker-compose v1;
// each test breaks it one way, checks that diagnose names the fault, repairs it by hand, breaks
// it again and lets the scheduler repair it. A row written to the instance's Postgres before the
// first fault must still be there after every repair. Times are printed as a table at the end.
import { mkdir, mkdtemp, rm, writeFile, access } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceSecrets } from '../../remote-agent/src/credentials/secrets';
import { InstanceFiles } from '../../remote-agent/src/instances/files';
import type { AgentEvent, AuditEntry, DiagnosticReport, Instance } from '@protocol/types';
import type { AgentHealth } from '../../remote-agent/src/scheduler/agent-health';
import type { Agent } from '../../remote-agent/src/server';
import { ensureStandinImages } from '../rig/images';
import type { RpcClient } from './agent-harness';
import {
  containerOf as containerOfProject,
  docker,
  projectSql,
  rigAgentConfig,
  run,
  sleep,
  startRigAgent,
  waitFor,
  waitRunning,
} from './rig-agent';

let dataDir: string;
let agent: Agent;
let health: AgentHealth;
let client: RpcClient;
let instance: Instance;
let secrets: InstanceSecrets;
let gotrueTag: string;
let images: Record<string, string>;
let extra: Record<string, string>;
const events: AgentEvent[] = [];
const audits: Omit<AuditEntry, 'seq' | 'at'>[] = [];
const timings: { fault: string; mode: string; seconds: number }[] = [];
const ROW = `kept-${process.pid}`;

const current = () => agent.registry.get(instance.id)!;
const project = () => instance.project;
const instanceDir = () => join(dataDir, 'instances', instance.id);

const containerOf = (service: string) => containerOfProject(project(), service);

const db = (statements: string[]) => projectSql(instance, secrets, statements);

async function expectRowKept(): Promise<void> {
  // The pooler may need a moment after a recreation; the row itself must never be gone.
  const rows = await waitFor(
    'the database to answer',
    () =>
      db(['SELECT v FROM ub_repair_probe ORDER BY v']).then(
        (r) => r[0]!.rows,
        () => undefined,
      ),
    60_000,
  );
  expect(rows).toEqual([[ROW]]);
}

function failing(report: DiagnosticReport): string[] {
  return report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
}

function check(report: DiagnosticReport, id: string) {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
}

/** Manual repair, then the asserts every fault shares: healthy again, running, data kept. */
async function repairByHand(fault: string, injectedAt: number) {
  const plan = await health.service.repair(instance.id, {
    dryRun: true,
    actor: 'tester',
    automatic: false,
    includeOrphans: true,
  });
  expect(plan.dryRun).toBe(true);
  expect(plan.after).toBeUndefined();
  expect(plan.actions.every((a) => a.done === undefined)).toBe(true);
  const result = await health.service.repair(instance.id, {
    dryRun: false,
    actor: 'tester',
    automatic: false,
    includeOrphans: true,
  });
  timings.push({ fault, mode: 'manual', seconds: (Date.now() - injectedAt) / 1000 });
  expect(result.actions.filter((a) => a.error)).toEqual([]);
  expect(failing(result.after!)).toEqual([]);
  await waitFor(
    'status running',
    () => (current().status === 'running' ? true : undefined),
    30_000,
  );
  await expectRowKept();
  return { plan, result };
}

/** The scheduler, on a short interval, finds the fault and repairs it on its own. */
async function repairAutomatically(fault: string, injectedAt: number): Promise<void> {
  const before = events.length;
  health.scheduler.start();
  try {
    await waitFor(
      'an automatic repair that worked',
      () =>
        events
          .slice(before)
          .some(
            (e) =>
              e.type === 'instance.repaired' &&
              e.automatic &&
              e.result.after !== undefined &&
              e.result.after.status !== 'fail',
          )
          ? true
          : undefined,
      240_000,
    );
  } finally {
    await health.scheduler.stop();
  }
  timings.push({ fault, mode: 'scheduler', seconds: (Date.now() - injectedAt) / 1000 });
  await waitFor(
    'status running',
    () => (current().status === 'running' ? true : undefined),
    30_000,
  );
  expect(current().needsAttention).toBeFalsy();
  await expectRowKept();
}

beforeAll(async () => {
  ({ images, extra } = await ensureStandinImages());
  // A tag of this file's own for Auth's image, so the crash-loop test can point it at the
  // crash-looping image without touching the shared tags other test files use.
  gotrueTag = `ultrabase-test/repair-gotrue:p${process.pid}`;
  await docker('tag', images['supabase/gotrue']!, gotrueTag);

  dataDir = await mkdtemp(join(tmpdir(), 'ubt-repair-'));
  ({ agent, client } = await startRigAgent({
    dataDir,
    config: rigAgentConfig({
      images: { ...images, 'supabase/gotrue': gotrueTag },
      // Ranges of this file's own: other test files create stacks on the default ranges at the
      // same time, and a port taken between allocation and bind fails the whole creation.
      portRanges: {
        kongHttp: [21000, 21399],
        kongHttps: [21400, 21799],
        postgres: [22000, 22399],
        poolerTransaction: [22400, 22799],
      },
      diagnosticIntervalMs: 1_500,
      autoRepair: true,
    }),
    healthTimeoutMs: 300_000,
    // This file drives the agent's scheduler itself, at the points where it is under test.
    startScheduler: false,
    health: {
      policy: { maxAttempts: 3, backoffBaseMs: 500, backoffMaxMs: 2_000 },
      checkTimeoutMs: 8_000,
      repairHealthTimeoutMs: 180_000,
    },
  }));
  health = agent.health;
  agent.events.subscribe((e) => {
    if (e.type === 'audit') audits.push(e.entry);
    else events.push(e);
  });
  const created = await client.call<{ instance: Instance }>('instances.create', {
    name: 'repair-faults',
  });
  instance = await waitRunning(client, created.instance.id);
  secrets = await new InstanceFiles(dataDir).readSecrets(instance.id);
  await expectRowKeptOrCreate();
}, 900_000);

async function expectRowKeptOrCreate(): Promise<void> {
  await waitFor(
    'the first write',
    () =>
      db([
        'CREATE TABLE ub_repair_probe (v text)',
        `INSERT INTO ub_repair_probe VALUES ('${ROW}')`,
      ]).then(
        () => true,
        () => undefined,
      ),
    60_000,
  );
}

afterAll(async () => {
  await health?.scheduler.stop();
  if (instance) await client.call('instances.delete', { id: instance.id }).catch(() => undefined);
  client?.close();
  await agent?.close();
  if (gotrueTag) await docker('rmi', gotrueTag).catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (timings.length > 0) {
    console.log('fault                    repaired by   seconds from fault to healthy');
    for (const t of timings) {
      console.log(`${t.fault.padEnd(24)} ${t.mode.padEnd(13)} ${t.seconds.toFixed(1)}`);
    }
  }
}, 300_000);

describe('diagnose and repair on a real instance', () => {
  it('a healthy instance diagnoses clean, with every kind of check present', async () => {
    const report = await health.service.diagnose(instance.id, { includeHost: true });
    expect(failing(report)).toEqual([]);
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      'container.db',
      'container.kong',
      'network',
      'files',
      'api.auth',
      'api.rest',
      'api.storage',
      'api.studio',
      'api.meta',
      'api.keys',
      'api.published',
      'keys.jwt',
      'postgres.direct',
      'postgres.session',
      'postgres.transaction',
      'direct.meta',
      'host.disk',
      'host.memory',
      'host.orphans',
      'logs.db',
    ]) {
      expect(ids).toContain(id);
    }
    expect(check(report, 'postgres.session').evidence).toMatch(/SELECT 1/);

    // The same through the daemon's wire methods, as the desktop calls them.
    const wire = await client.call<{ report: DiagnosticReport }>('instances.diagnose', {
      id: instance.id,
    });
    expect(failing(wire.report)).toEqual([]);
    const dry = await client.call<{ dryRun: boolean; actions: unknown[] }>('instances.repair', {
      id: instance.id,
      dryRun: true,
    });
    expect(dry).toMatchObject({ dryRun: true, actions: [] });
    // No secret in the report, whatever the services logged.
    const text = JSON.stringify(report);
    expect(text).not.toContain(secrets.postgresPassword);
    expect(text).not.toContain(secrets.jwtSecret);
  });

  it('a killed container (db)', async () => {
    const inject = () =>
      docker('kill', '--signal', 'KILL', `${project()}_db_1`).catch(async () =>
        docker('kill', '--signal', 'KILL', await containerOf('db')),
      );
    let at = Date.now();
    await inject();
    const report = await health.service.diagnose(instance.id);
    expect(check(report, 'container.db').status).toBe('fail');
    expect(check(report, 'container.db').evidence).toMatch(/exit code 137.*SIGKILL/);
    expect(check(report, 'postgres.direct').status).toBe('fail');
    const { plan } = await repairByHand('killed container', at);
    expect(plan.actions.map((a) => a.kind)).toContain('start-stack');
    at = Date.now();
    await inject();
    await repairAutomatically('killed container', at);
  }, 600_000);

  it('a stopped container (storage)', async () => {
    const inject = async () => docker('stop', '--time', '5', await containerOf('storage'));
    let at = Date.now();
    await inject();
    const report = await health.service.diagnose(instance.id);
    expect(check(report, 'container.storage').status).toBe('fail');
    expect(check(report, 'container.storage').evidence).toMatch(/Not running: exited/);
    expect(check(report, 'api.storage').status).toBe('fail');
    await repairByHand('stopped container', at);
    at = Date.now();
    await inject();
    await repairAutomatically('stopped container', at);
  }, 600_000);

  it('a deleted compose file', async () => {
    const inject = () => rm(join(instanceDir(), 'docker-compose.yml'));
    let at = Date.now();
    await inject();
    const report = await health.service.diagnose(instance.id);
    expect(check(report, 'files').status).toBe('fail');
    expect(check(report, 'files').evidence).toContain('docker-compose.yml: missing');
    const { plan } = await repairByHand('deleted compose file', at);
    expect(plan.actions).toContainEqual(
      expect.objectContaining({ kind: 'rerender-file', target: 'docker-compose.yml' }),
    );
    await access(join(instanceDir(), 'docker-compose.yml'));
    at = Date.now();
    await inject();
    await repairAutomatically('deleted compose file', at);
    await access(join(instanceDir(), 'docker-compose.yml'));
  }, 600_000);

  it('a corrupted .env', async () => {
    const inject = () => writeFile(join(instanceDir(), '.env'), 'POSTGRES_PASSWORD=\n\0garbage\n');
    let at = Date.now();
    await inject();
    const report = await health.service.diagnose(instance.id);
    expect(check(report, 'files').evidence).toContain('.env: altered');
    const { plan } = await repairByHand('corrupted .env', at);
    expect(plan.actions).toContainEqual(
      expect.objectContaining({ kind: 'rerender-file', target: '.env' }),
    );
    at = Date.now();
    await inject();
    await repairAutomatically('corrupted .env', at);
  }, 600_000);

  it('a removed network', async () => {
    const inject = async () => {
      const network = `${project()}_default`;
      const ids = (await docker('ps', '-q', '--filter', `network=${network}`)).trim().split('\n');
      for (const id of ids.filter(Boolean))
        await docker('network', 'disconnect', '-f', network, id);
      await docker('network', 'rm', network);
    };
    let at = Date.now();
    await inject();
    const report = await health.service.diagnose(instance.id);
    expect(check(report, 'network').status).toBe('fail');
    expect(check(report, 'network').evidence).toMatch(/does not exist/);
    const { plan } = await repairByHand('removed network', at);
    expect(plan.actions.map((a) => a.kind)).toContain('recreate-network');
    at = Date.now();
    await inject();
    await repairAutomatically('removed network', at);
  }, 600_000);

  it('an orphan container left from a deleted instance', async () => {
    const root = join(dataDir, 'instances');
    const inject = async () => {
      // What a deletion cut short leaves: a compose project under the agent's instances folder,
      // whose directory and registry entry are gone but whose container and network remain.
      const fakeId = `orphan${Math.random().toString(36).slice(2, 10)}`;
      const dir = join(root, fakeId);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'docker-compose.yml'),
        `services:\n  imgproxy:\n    image: ${images['darthsim/imgproxy']}\n    init: true\n`,
      );
      await run(
        'docker-compose',
        [
          '-p',
          `ub_${fakeId}`,
          '-f',
          join(dir, 'docker-compose.yml'),
          '--project-directory',
          dir,
          'up',
          '-d',
        ],
        { cwd: dir },
      );
      await rm(dir, { recursive: true, force: true });
      return `ub_${fakeId}`;
    };
    let at = Date.now();
    let orphan = await inject();
    const report = await health.service.diagnose(instance.id, { includeHost: true });
    expect(check(report, 'host.orphans').status).toBe('warn');
    expect(check(report, 'host.orphans').evidence).toContain(orphan);
    const { plan } = await repairByHand('orphan container', at);
    expect(plan.actions.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['remove-orphan-container', 'remove-orphan-network']),
    );
    expect(
      (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${orphan}`)).trim(),
    ).toBe('');
    expect((await docker('network', 'ls', '-q', '--filter', `name=${orphan}_default`)).trim()).toBe(
      '',
    );

    // Diagnosis only warns about leftovers, so the scheduler does not repair for them alone; it
    // removes them with the next repair it does. Here: a stopped container plus an orphan.
    at = Date.now();
    orphan = await inject();
    await docker('stop', '--time', '5', await containerOf('rest'));
    await repairAutomatically('orphan container', at);
    expect(
      (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${orphan}`)).trim(),
    ).toBe('');
  }, 600_000);

  it('leaves alone ub_* containers that another agent owns', async () => {
    // Another agent's instance on the same engine: a ub_* project from a directory elsewhere.
    const fakeId = `foreign${process.pid}`;
    const id = (
      await docker(
        'create',
        '--label',
        `com.docker.compose.project=ub_${fakeId}`,
        '--label',
        'com.docker.compose.service=imgproxy',
        '--label',
        `com.docker.compose.project.working_dir=/var/lib/ultrabase/instances/${fakeId}`,
        images['darthsim/imgproxy']!,
      )
    ).trim();
    try {
      const report = await health.service.diagnose(instance.id, { includeHost: true });
      expect(check(report, 'host.orphans').evidence).not.toContain(fakeId);
      const plan = await health.service.repair(instance.id, {
        dryRun: true,
        actor: 'tester',
        automatic: false,
        includeOrphans: true,
      });
      expect(JSON.stringify(plan.actions)).not.toContain(fakeId);
    } finally {
      await docker('rm', '-f', id);
    }
  });

  it('a hanging service cannot hang the report', async () => {
    const dir = instanceDir();
    const recreateAuth = () =>
      run(
        'docker-compose',
        [
          ...['-p', project(), '-f', join(dir, 'docker-compose.yml'), '--project-directory', dir],
          ...['up', '-d', '--no-deps', '--force-recreate', 'auth'],
        ],
        { cwd: dir },
      );
    // Auth's process accepts connections and never answers its health endpoint.
    await docker('tag', extra.hang!, gotrueTag);
    try {
      await recreateAuth();
      const ip = (
        await docker(
          'inspect',
          '-f',
          '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
          await containerOf('auth'),
        )
      ).trim();
      await waitFor(
        'auth to accept connections',
        () =>
          new Promise<true | undefined>((resolve) => {
            const socket = connect({ host: ip, port: 9999 }, () => {
              socket.destroy();
              resolve(true);
            });
            socket.on('error', () => resolve(undefined));
          }),
        60_000,
      );
      const report = await health.service.diagnose(instance.id);
      expect(check(report, 'api.auth').status).toBe('fail');
      expect(check(report, 'direct.auth').evidence).toMatch(/No answer within 8 s/);
      // Everything else still got its answer.
      expect(check(report, 'postgres.session').status).toBe('ok');
      expect(check(report, 'api.rest').status).toBe('ok');
      console.log(
        `diagnosis with a hanging service took ${(report.durationMs / 1000).toFixed(1)} s`,
      );
    } finally {
      await docker('tag', images['supabase/gotrue']!, gotrueTag);
      await recreateAuth();
    }
    await waitFor(
      'a clean diagnosis',
      async () =>
        failing(await health.service.diagnose(instance.id)).length === 0 ? true : undefined,
      120_000,
    );
  });

  it('a crash loop is reported and marked for a person, not repaired forever', async () => {
    const dir = instanceDir();
    const composeAuth = () =>
      run(
        'docker-compose',
        [
          '-p',
          project(),
          '-f',
          join(dir, 'docker-compose.yml'),
          '--project-directory',
          dir,
          'up',
          '-d',
          '--no-deps',
          '--force-recreate',
          'auth',
        ],
        { cwd: dir },
      );
    // A bad image is deployed under Auth's tag: the container exits a second after each start.
    await docker('tag', extra.crashloop!, gotrueTag);
    await composeAuth();
    const report = await waitFor(
      'the crash loop to show',
      async () => {
        const r = await health.service.diagnose(instance.id);
        return /Crash loop/.test(check(r, 'container.auth').evidence) ? r : undefined;
      },
      120_000,
    );
    expect(check(report, 'container.auth').status).toBe('fail');
    expect(check(report, 'api.auth').status).toBe('fail');

    // By hand: the repair recreates it, and says honestly that it is still failing.
    const manual = await health.service.repair(instance.id, {
      dryRun: false,
      actor: 'tester',
      automatic: false,
      includeOrphans: true,
    });
    // Read at any instant of the loop: between crashes (restart) or right after one (start).
    expect(manual.actions.map((a) => `${a.kind} ${a.target}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(restart-container|start-stack) auth$/)]),
    );
    expect(failing(manual.after!)).toContain('container.auth');

    // The scheduler: three attempts with backoff, then needsAttention, then no more attempts.
    const before = events.length;
    const repairsSince = () =>
      events.slice(before).filter((e) => e.type === 'instance.repaired' && e.automatic).length;
    health.scheduler.start();
    try {
      await waitFor('needsAttention', () => (current().needsAttention ? true : undefined), 300_000);
      expect(repairsSince()).toBe(3);
      await sleep(6_000); // several more rounds
      expect(repairsSince()).toBe(3);
    } finally {
      await health.scheduler.stop();
    }
    expect(
      audits.some((a) => a.action === 'instances.repair.giveup' && a.target === instance.id),
    ).toBe(true);
    expect(
      events.some(
        (e) => e.type === 'instance.diagnosed' && e.instanceId === instance.id && e.changed,
      ),
    ).toBe(true);

    // A person fixes the cause (the image) and repairs: running again, flag cleared, data kept.
    await docker('tag', images['supabase/gotrue']!, gotrueTag);
    const fixedAt = Date.now();
    const fixed = await health.service.repair(instance.id, {
      dryRun: false,
      actor: 'tester',
      automatic: false,
      includeOrphans: true,
    });
    timings.push({
      fault: 'crash loop (after fix)',
      mode: 'manual',
      seconds: (Date.now() - fixedAt) / 1000,
    });
    expect(failing(fixed.after!)).toEqual([]);
    await waitFor(
      'status running',
      () => (current().status === 'running' ? true : undefined),
      30_000,
    );
    expect(current().needsAttention).toBe(false);
    await expectRowKept();
  }, 900_000);
});
