// Project settings on one real instance: the agent creates a full stack on the rig's stand-in
// images under the machine's dockerd and docker-compose v1, then changes its settings through
// the wire as the desktop and the CLI do. Checks that only the services that read a setting are
// recreated (the others keep their container ids), that data written before survives, that a
// repair keeps the settings, that bad input changes nothing on disk, that the test email reaches
// a real SMTP server (aiosmtpd, started here), and that each secret rotation takes effect:
// Kong refuses the old anon key, Postgres the old password, Studio's gate the old dashboard one.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceFiles } from '../../remote-agent/src/instances/files';
import type {
  AgentEvent,
  AuditEntry,
  DiagnosticReport,
  Instance,
  InstanceSettingsView,
  StackChangePlan,
} from '@protocol/types';
import type { Agent } from '../../remote-agent/src/server';
import { ensureStandinImages } from '../rig/images';
import type { RpcClient, RpcError } from './agent-harness';
import {
  docker,
  projectSql,
  rigAgentConfig,
  startRigAgent,
  waitFor,
  waitRunning,
} from './rig-agent';

let dataDir: string;
let agent: Agent;
let client: RpcClient;
let instance: Instance;
let smtp: ChildProcess | undefined;
let mailDir: string;
let smtpPort: number;
const events: AgentEvent[] = [];
const audits: Omit<AuditEntry, 'seq' | 'at'>[] = [];
const timings: { step: string; seconds: number }[] = [];
const ROW = `kept-${process.pid}`;
const SMTP_PASSWORD = `pw-${process.pid}-$ecret'"=`;

const instanceDir = () => join(dataDir, 'instances', instance.id);
const secrets = () => new InstanceFiles(dataDir).readSecrets(instance.id);

async function containerIds(): Promise<Record<string, string>> {
  const out = await docker(
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${instance.project}`,
    '--format',
    '{{.ID}} {{.Label "com.docker.compose.service"}}',
  );
  const ids: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const [id, service] = line.split(' ');
    if (id && service) ids[service] = id;
  }
  return ids;
}

async function envOf(service: string): Promise<Record<string, string>> {
  const id = (await containerIds())[service]!;
  const env = JSON.parse(
    await docker('inspect', '--format', '{{json .Config.Env}}', id),
  ) as string[];
  return Object.fromEntries(
    env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before)
    .filter((s) => before[s] !== after[s])
    .sort();
}

async function db(statements: string[], password?: string) {
  return projectSql(instance, await secrets(), statements, password);
}

async function expectRowKept(): Promise<void> {
  const rows = await waitFor(
    'the database to answer',
    () =>
      db(['SELECT v FROM ub_settings_probe']).then(
        (r) => r[0]!.rows,
        () => undefined,
      ),
    60_000,
  );
  expect(rows).toEqual([[ROW]]);
}

/** Every file of the instance directory, hashed: "nothing changed on disk" made checkable. */
async function diskState(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === 'data' || entry.name === 'storage') continue; // Postgres and Storage data
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, `${rel}${entry.name}/`);
      else if (entry.isFile()) {
        out[`${rel}${entry.name}`] = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
      }
    }
  };
  await walk(instanceDir(), '');
  return out;
}

function failing(report: DiagnosticReport): string[] {
  return report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
}

async function diagnoseClean(): Promise<void> {
  const report = await waitFor(
    'a clean diagnosis',
    async () => {
      const { report: r } = await client.call<{ report: DiagnosticReport }>('instances.diagnose', {
        id: instance.id,
      });
      return failing(r).length === 0 ? r : undefined;
    },
    60_000,
  ).catch(async (error: unknown) => {
    const { report: r } = await client.call<{ report: DiagnosticReport }>('instances.diagnose', {
      id: instance.id,
    });
    throw new Error(
      `${String(error)}: ${JSON.stringify(r.checks.filter((c) => c.status === 'fail'))}`,
    );
  });
  expect(failing(report)).toEqual([]);
}

async function kongStatus(path: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${instance.ports.kongHttp}${path}`, { headers });
  await res.arrayBuffer();
  return res.status;
}

function settingsSet(changes: Record<string, unknown>, dryRun = false) {
  return client.call<{ plan: StackChangePlan; dryRun: boolean; settings: InstanceSettingsView }>(
    'instances.settings.set',
    { id: instance.id, changes, dryRun },
  );
}

async function rotate(secret: string): Promise<StackChangePlan> {
  const started = Date.now();
  const { plan } = await client.call<{ plan: StackChangePlan }>('instances.settings.rotate', {
    id: instance.id,
    secret,
  });
  timings.push({ step: `rotate ${secret}`, seconds: (Date.now() - started) / 1000 });
  return plan;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const { images } = await ensureStandinImages();
  dataDir = await mkdtemp(join(tmpdir(), 'ubt-settings-'));
  ({ agent, client } = await startRigAgent({
    dataDir,
    config: rigAgentConfig({
      images,
      // Ranges of this file's own, away from the other rig files'.
      portRanges: {
        kongHttp: [27300, 27399],
        kongHttps: [27400, 27499],
        postgres: [27500, 27599],
        poolerTransaction: [27600, 27699],
      },
    }),
    healthTimeoutMs: 300_000,
    startScheduler: false,
  }));
  agent.events.subscribe((e) => {
    if (e.type === 'audit') audits.push(e.entry);
    else events.push(e);
  });
  const started = Date.now();
  const created = await client.call<{ instance: Instance }>('instances.create', {
    name: 'settings',
  });
  instance = await waitRunning(client, created.instance.id);
  timings.push({ step: 'create', seconds: (Date.now() - started) / 1000 });
  await waitFor(
    'the first write',
    () =>
      db([
        'CREATE TABLE ub_settings_probe (v text)',
        `INSERT INTO ub_settings_probe VALUES ('${ROW}')`,
      ]).then(
        () => true,
        () => undefined,
      ),
    60_000,
  );

  mailDir = await mkdtemp(join(tmpdir(), 'ubt-mail-'));
  smtpPort = await freePort();
  smtp = spawn(
    '/usr/bin/python3',
    [
      '-m',
      'aiosmtpd',
      '-n',
      '-l',
      `127.0.0.1:${smtpPort}`,
      '-c',
      'aiosmtpd.handlers.Mailbox',
      join(mailDir, 'box'),
    ],
    { stdio: 'ignore' },
  );
}, 900_000);

afterAll(async () => {
  smtp?.kill();
  console.table(timings);
  if (instance) await client.call('instances.delete', { id: instance.id }).catch(() => undefined);
  await agent?.close();
  await rm(dataDir, { recursive: true, force: true });
  if (mailDir) await rm(mailDir, { recursive: true, force: true });
}, 300_000);

describe('project settings on a running stack', () => {
  it('plans a site URL and SMTP change as "recreate auth" and changes nothing on a dry run', async () => {
    const disk = await diskState();
    const { plan, dryRun } = await settingsSet(
      {
        'auth.siteUrl': 'https://app.example.com',
        'smtp.host': '127.0.0.1',
        'smtp.port': String(smtpPort),
        'smtp.password': SMTP_PASSWORD,
      },
      true,
    );
    expect(dryRun).toBe(true);
    expect(plan.services).toEqual(['auth']);
    expect(plan.keys.sort()).toEqual(['auth.siteUrl', 'smtp.host', 'smtp.password', 'smtp.port']);
    expect(await diskState()).toEqual(disk);
  });

  it('applies them by recreating only auth; the row written before is still there', async () => {
    const before = await containerIds();
    const started = Date.now();
    const { plan, settings } = await settingsSet({
      'auth.siteUrl': 'https://app.example.com',
      'auth.redirectUrls': 'https://app.example.com/**,https://staging.example.com',
      'smtp.host': '127.0.0.1',
      'smtp.port': String(smtpPort),
      'smtp.user': '',
      'smtp.adminEmail': 'no-reply@example.com',
      'smtp.senderName': 'Client Shop',
      'smtp.password': SMTP_PASSWORD,
    });
    timings.push({ step: 'set site URL + SMTP', seconds: (Date.now() - started) / 1000 });
    expect(plan.services).toEqual(['auth']);
    expect(settings.values['auth.siteUrl']).toBe('https://app.example.com');
    expect(settings.secretsSet).toEqual(['smtp.password']);
    expect(changed(before, await containerIds())).toEqual(['auth']);

    const env = await envOf('auth');
    expect(env.GOTRUE_SITE_URL).toBe('https://app.example.com');
    expect(env.GOTRUE_URI_ALLOW_LIST).toBe(
      'https://app.example.com/**,https://staging.example.com',
    );
    expect(env.GOTRUE_SMTP_HOST).toBe('127.0.0.1');
    expect(env.GOTRUE_SMTP_PORT).toBe(String(smtpPort));
    expect(env.GOTRUE_SMTP_SENDER_NAME).toBe('Client Shop');
    // `$`, quotes and `=` reach the container exactly as typed.
    expect(env.GOTRUE_SMTP_PASS).toBe(SMTP_PASSWORD);
    await expectRowKept();

    // Audit: which keys changed, never a value; progress pushed like a creation's.
    const entry = audits.find(
      (a) => a.action === 'instances.settings.set' && a.detail?.dryRun === false,
    );
    expect(entry?.detail?.keys).toContain('smtp.password');
    expect(JSON.stringify(audits)).not.toContain(SMTP_PASSWORD);
    expect(events.some((e) => e.type === 'instance.applying' && e.event.step === 'done')).toBe(
      true,
    );
    // The registry holds no secret value.
    expect(await readFile(join(dataDir, 'state.json'), 'utf8').catch(() => '')).not.toContain(
      SMTP_PASSWORD,
    );
  });

  it('keeps the settings through a repair that rewrites the compose file and recreates auth', async () => {
    await writeFile(join(instanceDir(), 'docker-compose.yml'), '# damaged\n');
    await docker('rm', '-f', (await containerIds()).auth!);
    const result = await client.call<{
      actions: { kind: string; target: string; error?: string }[];
    }>('instances.repair', { id: instance.id });
    expect(result.actions.filter((a) => a.error)).toEqual([]);
    expect(result.actions.map((a) => `${a.kind} ${a.target}`)).toContain(
      'rerender-file docker-compose.yml',
    );
    const env = await waitFor('auth back', () => envOf('auth').catch(() => undefined), 60_000);
    expect(env.GOTRUE_SITE_URL).toBe('https://app.example.com');
    expect(env.GOTRUE_SMTP_PASS).toBe(SMTP_PASSWORD);
    await diagnoseClean();
    await expectRowKept();
  });

  it('sends a test email through the project SMTP server', async () => {
    const { messageId } = await client.call<{ messageId: string }>('instances.settings.testEmail', {
      id: instance.id,
      to: 'ops@example.com',
    });
    expect(messageId).toMatch(/@/);
    const message = await waitFor(
      'the message in the mailbox',
      async () => {
        const files = await readdir(join(mailDir, 'box', 'new')).catch(() => []);
        return files[0] ? readFile(join(mailDir, 'box', 'new', files[0]), 'utf8') : undefined;
      },
      20_000,
    );
    expect(message).toContain('To: ops@example.com');
    expect(message).toContain('From: Client Shop <no-reply@example.com>');
    expect(message).toContain('Subject: Test email from settings');
  });

  it('refuses a managed key and a malformed value, changing nothing on disk', async () => {
    const disk = await diskState();
    const ids = await containerIds();
    const refusal = (changes: Record<string, unknown>) =>
      settingsSet(changes).then(
        () => ({ code: 'none', field: undefined }),
        (e: RpcError) => ({ code: e.code, field: e.error.data.field }),
      );
    expect(
      await refusal({ 'auth.siteUrl': 'https://x.example.com', 'env.auth.GOTRUE_JWT_SECRET': 'x' }),
    ).toEqual({
      code: 'MANAGED_SETTING',
      field: 'env.auth.GOTRUE_JWT_SECRET',
    });
    expect(await refusal({ 'smtp.port': '70000' })).toEqual({
      code: 'INVALID_SETTINGS',
      field: 'smtp.port',
    });
    expect(await refusal({ 'smtp.senderName': 'x\nGOTRUE_JWT_SECRET=y' })).toEqual({
      code: 'INVALID_SETTINGS',
      field: 'smtp.senderName',
    });
    expect(await diskState()).toEqual(disk);
    expect(await containerIds()).toEqual(ids);
  });

  it('rolls back files, settings and the container when auth does not come up with a change', async () => {
    const disk = await diskState();
    const ids = await containerIds();
    const started = Date.now();
    // The stand-in's own fault switch: with it, Auth exits a second after starting.
    const error = await settingsSet({ 'env.auth.STANDIN_FAULT': 'crashloop' }).then(
      () => undefined,
      (e: RpcError) => e,
    );
    timings.push({ step: 'failed change + rollback', seconds: (Date.now() - started) / 1000 });
    expect(error?.code).toBe('APPLY_FAILED');
    expect(error?.error.data).toMatchObject({ rolledBack: true, services: ['auth'] });
    expect(await diskState()).toEqual(disk);
    const { settings } = await client.call<{ settings: InstanceSettingsView }>(
      'instances.settings.get',
      { id: instance.id },
    );
    expect(settings.values).not.toHaveProperty('env.auth.STANDIN_FAULT');
    const env = await envOf('auth');
    expect(env.STANDIN_FAULT).toBeUndefined();
    expect(env.GOTRUE_SITE_URL).toBe('https://app.example.com');
    const after = await containerIds();
    expect(changed(ids, after)).toEqual(['auth']);
    await diagnoseClean();
    expect(
      events.some(
        (e) =>
          e.type === 'instance.applying' &&
          e.event.step === 'rollback' &&
          e.event.status === 'done',
      ),
    ).toBe(true);
  });

  it('rotates the JWT secret: Kong refuses the old anon key and accepts the new one', async () => {
    const old = await secrets();
    expect(await kongStatus('/auth/v1/health', { apikey: old.anonKey })).toBe(200);
    const plan = await rotate('jwt');
    expect(plan.services).toEqual(expect.arrayContaining(['kong', 'auth', 'rest']));
    const now = await secrets();
    expect(now.anonKey).not.toBe(old.anonKey);
    expect(await kongStatus('/auth/v1/health', { apikey: old.anonKey })).toBe(401);
    expect(await kongStatus('/auth/v1/health', { apikey: now.anonKey })).toBe(200);
    // Settings survive a rotation: it re-renders from the same facts.
    expect((await envOf('auth')).GOTRUE_SITE_URL).toBe('https://app.example.com');
    await diagnoseClean();
    await expectRowKept();
  });

  it('rotates the database password: old one refused, pooler and services reconnect, no data lost', async () => {
    const old = await secrets();
    await rotate('db-password');
    const now = await secrets();
    expect(now.postgresPassword).not.toBe(old.postgresPassword);
    await expectRowKept();
    await expect(db(['SELECT 1'], old.postgresPassword)).rejects.toThrow();
    await diagnoseClean();
  });

  it('rotates the dashboard password: Studio behind Kong takes only the new one', async () => {
    const old = await secrets();
    const basic = (password: string) => ({
      authorization: `Basic ${Buffer.from(`${old.dashboardUsername}:${password}`).toString('base64')}`,
    });
    expect(await kongStatus('/api/platform/profile', basic(old.dashboardPassword))).toBe(200);
    const plan = await rotate('dashboard-password');
    expect(plan.services).toEqual(['kong']);
    const now = await secrets();
    expect(await kongStatus('/api/platform/profile', basic(old.dashboardPassword))).toBe(401);
    expect(await kongStatus('/api/platform/profile', basic(now.dashboardPassword))).toBe(200);
    const entries = audits
      .filter((a) => a.action === 'instances.settings.rotate')
      .map((a) => a.detail?.secret);
    expect(entries).toEqual(['jwt', 'db-password', 'dashboard-password']);
  });
});
