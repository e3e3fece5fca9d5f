// Issue 20 on the rig: the real agent daemon (dist/agent/agent.cjs) runs a real project on the
// stand-in images under the machine's dockerd and notifies a real SMTP server (Debian's aiosmtpd,
// started here with a handler that records every message) and a local HTTP receiver that checks
// the webhook's HMAC signature. The daemon runs in the root network namespace, like the
// receivers, so 127.0.0.1 reaches them (an agent inside a `test/rig/hosts.ts` namespace would
// reach the root namespace at `host.gateway` instead).
//
// 1. Killing the project's database sends exactly one "down" email and one signed "down"
//    webhook; repairing it sends one "recovered" each.
// 2. With the webhook receiver down during a second incident, the agent is killed with -9 after
//    the email went out and the webhook failed; once the receiver and the agent are back, the
//    webhook arrives exactly once (the same delivery id), and recovery again sends one each.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryLogEntry, PendingDelivery } from '@protocol/alerts';
import type { Instance } from '@protocol/types';
import { verifyWebhook } from '../../remote-agent/src/alerts/channels/webhook-signature';
import { ensureStandinImages } from '../rig/images';
import { adminCreate, buildAgent, RpcClient, startDaemon, type Daemon } from './agent-harness';
import {
  containerOf as containerOfProject,
  docker,
  rigConfigFile,
  sleep,
  waitFor,
  waitRunning,
} from './rig-agent';

const HOOK_SECRET = 'whsec-rig-test-0123456789';
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

interface Mail {
  subject: string;
  kinds: string;
  delivery: string;
  body: string;
}
interface Hook {
  verified: boolean;
  delivery: string;
  body: { id: string; title: string; events: { kind: string; project?: string }[] };
}

let dir: string;
let dataDir: string;
let socket: string;
let configFile: string;
let daemon: Daemon | undefined;
let client: RpcClient;
let smtp: ChildProcess;
let smtpOut: string;
let hookServer: http.Server | undefined;
let hookPort: number;
const hooks: Hook[] = [];
let instance: Instance;

function mails(): Mail[] {
  let text = '';
  try {
    text = readFileSync(smtpOut, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { data } = JSON.parse(line) as { data: string };
      const header = (name: string) =>
        new RegExp(`^${name}: (.*)$`, 'mi').exec(data)?.[1]?.trim() ?? '';
      return {
        subject: header('Subject'),
        kinds: header('X-Ultrabase-Kinds'),
        delivery: header('X-Ultrabase-Delivery'),
        body: data,
      };
    });
}

const mailsOf = (kind: string) => mails().filter((m) => m.kinds === kind);
const hooksOf = (kind: string) =>
  hooks.filter((h) => h.body.events.length > 0 && h.body.events.every((e) => e.kind === kind));

async function startHookReceiver(): Promise<void> {
  hookServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = (n: string) => req.headers[n] as string | undefined;
      const verified = verifyWebhook(
        HOOK_SECRET,
        header('x-ultrabase-timestamp'),
        raw,
        header('x-ultrabase-signature'),
      );
      hooks.push({
        verified,
        delivery: header('x-ultrabase-delivery') ?? '',
        body: JSON.parse(raw.toString('utf8')) as Hook['body'],
      });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => hookServer!.listen(hookPort, '127.0.0.1', r));
}

async function stopHookReceiver(): Promise<void> {
  const server = hookServer;
  hookServer = undefined;
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

async function startAgent(): Promise<void> {
  daemon = await startDaemon({
    dataDir,
    socket,
    args: ['--config', configFile],
    env: { INVOCATION_ID: '' },
  });
  client = await RpcClient.connect(socket);
  await client.login('root', 'root-password-1');
}

const containerOf = (service: string) => containerOfProject(instance.project, service);

async function status(): Promise<Instance> {
  return (await client.call<{ instance: Instance }>('instances.get', { id: instance.id })).instance;
}

async function alertLog(): Promise<{ entries: DeliveryLogEntry[]; pending: PendingDelivery[] }> {
  return client.call('alerts.log', { limit: 500 });
}

async function repairAndWaitRunning(): Promise<void> {
  await client.call('instances.repair', { id: instance.id });
  await waitFor(
    'status running',
    async () => ((await status()).status === 'running' ? true : undefined),
    180_000,
  );
}

beforeAll(async () => {
  buildAgent();
  const { images } = await ensureStandinImages();
  dir = mkdtempSync(path.join(tmpdir(), 'ubt-alerts-'));
  dataDir = path.join(dir, 'data');
  socket = path.join(dir, 'agent.sock');
  configFile = path.join(dir, 'agent.json');
  writeFileSync(
    configFile,
    rigConfigFile({
      images,
      // Ranges of this file's own: other test files create stacks at the same time.
      portRanges: {
        kongHttp: [23000, 23399],
        kongHttps: [23400, 23799],
        postgres: [24000, 24399],
        poolerTransaction: [24400, 24799],
      },
      // Repairs are this test's to make: the incident must last until it says so.
      autoRepair: false,
    }),
  );
  expect(adminCreate(dataDir, 'root', 'root-password-1').status).toBe(0);

  // A real SMTP server: Debian's aiosmtpd with a handler that appends each message as JSON.
  smtpOut = path.join(dir, 'mail.jsonl');
  writeFileSync(
    path.join(dir, 'ub_recorder.py'),
    [
      'import json, os',
      'class Recorder:',
      '    async def handle_DATA(self, server, session, envelope):',
      "        with open(os.environ['UB_SMTP_OUT'], 'a') as f:",
      "            f.write(json.dumps({'to': envelope.rcpt_tos, 'data': envelope.content.decode('utf8', 'replace')}) + '\\n')",
      "        return '250 OK'",
      '',
    ].join('\n'),
  );
  const smtpPort = await freePort();
  smtp = spawn(
    '/usr/bin/python3',
    ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`, '-c', 'ub_recorder.Recorder'],
    {
      env: { ...process.env, PYTHONPATH: dir, UB_SMTP_OUT: smtpOut },
      stdio: 'ignore',
    },
  );
  await waitFor(
    'the SMTP server',
    () =>
      new Promise<boolean | undefined>((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(true)); // taken: aiosmtpd listens
        s.listen(smtpPort, '127.0.0.1', () => s.close(() => resolve(undefined)));
      }),
    20_000,
  );
  hookPort = await freePort();
  await startHookReceiver();

  await startAgent();
  await client.call('alerts.channels.set', {
    channel: {
      id: 'mail',
      name: 'Ops mail',
      config: {
        type: 'email',
        host: '127.0.0.1',
        port: smtpPort,
        tls: 'none',
        from: 'agent@rig.test',
        to: ['ops@rig.test'],
      },
    },
  });
  await client.call('alerts.channels.set', {
    channel: {
      id: 'hook',
      name: 'Ops webhook',
      config: {
        type: 'webhook',
        url: `http://127.0.0.1:${hookPort}/ultrabase`,
        secret: HOOK_SECRET,
      },
    },
  });
  await client.call('alerts.rules.set', {
    rules: [{ id: 'incidents', events: ['project.down', 'project.recovered'], channels: ['*'] }],
  });
  await client.call('alerts.settings.set', {
    settings: {
      downAfterSeconds: 2,
      groupWindowSeconds: 1,
      retryBaseSeconds: 1,
      retryMaxSeconds: 2,
      serverName: 'rig',
    },
  });

  const created = await client.call<{ instance: Instance }>('instances.create', {
    name: 'alerts-rig',
  });
  instance = created.instance;
  instance = await waitRunning(client, instance.id);
}, 900_000);

afterAll(async () => {
  client?.close();
  if (instance) {
    const c = await RpcClient.connect(socket).catch(() => undefined);
    if (c) {
      await c.login('root', 'root-password-1').catch(() => undefined);
      await c.call('instances.delete', { id: instance.id }).catch(() => undefined);
      c.close();
    }
  }
  await daemon?.stop();
  await stopHookReceiver();
  smtp?.kill('SIGTERM');
  await fs.rm(dir, { recursive: true, force: true });
}, 300_000);

describe('alerts on the rig', () => {
  it('the test action reaches the real SMTP server and the webhook receiver', async () => {
    await client.call('alerts.test', { id: 'mail' });
    await client.call('alerts.test', { id: 'hook' });
    expect(mails().filter((m) => m.kinds === 'test')).toHaveLength(1);
    const test = hooks.filter((h) => h.body.events.length === 0);
    expect(test).toHaveLength(1);
    expect(test[0]!.verified).toBe(true);
  });

  it('a killed database sends one email and one signed webhook; recovery one "recovered" each', async () => {
    const killedAt = Date.now();
    await docker('kill', '--signal', 'KILL', await containerOf('db'));
    await waitFor(
      'the down email and webhook',
      () =>
        mailsOf('project.down').length >= 1 && hooksOf('project.down').length >= 1
          ? true
          : undefined,
      120_000,
    );
    console.log(`down notified ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    await repairAndWaitRunning();
    await waitFor(
      'the recovered email and webhook',
      () =>
        mailsOf('project.recovered').length >= 1 && hooksOf('project.recovered').length >= 1
          ? true
          : undefined,
      120_000,
    );
    await sleep(5_000); // anything extra would have arrived by now (group window 1 s, retries 1–2 s)
    expect(mailsOf('project.down')).toHaveLength(1);
    expect(hooksOf('project.down')).toHaveLength(1);
    expect(mailsOf('project.recovered')).toHaveLength(1);
    expect(hooksOf('project.recovered')).toHaveLength(1);
    expect(hooks.every((h) => h.verified)).toBe(true);
    const down = mailsOf('project.down')[0]!;
    expect(down.subject).toContain('alerts-rig');
    expect(down.body).toMatch(/db: exited/);
    expect(down.body).toContain('Next step');
    expect(hooksOf('project.down')[0]!.body.events[0]!.project).toBe('alerts-rig');
  }, 600_000);

  it('a webhook that failed while the receiver was down survives kill -9 and arrives once', async () => {
    await stopHookReceiver();
    await docker('kill', '--signal', 'KILL', await containerOf('db'));
    await waitFor(
      'the second down email',
      () => (mailsOf('project.down').length >= 2 ? true : undefined),
      120_000,
    );
    const failed = await waitFor(
      'a failed webhook delivery',
      async () =>
        (await alertLog()).entries.find(
          (e) =>
            e.channelId === 'hook' && e.result === 'failed' && e.kinds.includes('project.down'),
        ),
      60_000,
    );
    expect((await alertLog()).pending.map((p) => p.deliveryId)).toContain(failed.deliveryId);
    client.close();
    await daemon!.kill9();
    daemon = undefined;
    const downHooksBefore = hooksOf('project.down').length;
    expect(downHooksBefore).toBe(1);

    await startHookReceiver();
    await startAgent();
    await waitFor(
      'the webhook after the restart',
      () => (hooksOf('project.down').length >= 2 ? true : undefined),
      60_000,
    );
    const arrived = hooksOf('project.down')[1]!;
    expect(arrived.verified).toBe(true);
    expect(arrived.delivery).toBe(failed.deliveryId);

    await repairAndWaitRunning();
    await waitFor(
      'the second recovered email and webhook',
      () =>
        mailsOf('project.recovered').length >= 2 && hooksOf('project.recovered').length >= 2
          ? true
          : undefined,
      120_000,
    );
    await sleep(5_000);
    expect(mailsOf('project.down')).toHaveLength(2);
    expect(hooksOf('project.down')).toHaveLength(2);
    expect(mailsOf('project.recovered')).toHaveLength(2);
    expect(hooksOf('project.recovered')).toHaveLength(2);
    expect(hooks.every((h) => h.verified)).toBe(true);
    const log = await alertLog();
    expect(log.pending).toEqual([]);
    expect(
      log.entries.find((e) => e.deliveryId === failed.deliveryId && e.result === 'sent')?.attempt,
    ).toBeGreaterThan(1);
  }, 600_000);
});
