// The desktop core against real servers: throwaway VPS hosts (sshd in network namespaces), the
// real agent bundle, the real keychain (gnome-keyring under dbus-run-session). One desktop and
// one set of hosts for the whole file, each step building on the previous one as a person would.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktop, type Desktop } from '../../electron/src/core/desktop';
import type { DesktopEvent, ServerView } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import type { SshLink } from '../../electron/src/core/servers/ssh-link';
import {
  AGENT_ENV,
  AGENT_LAUNCH_REVISION,
  AGENT_NODE_FLAGS,
} from '../../electron/src/core/bootstrap/launch';
import { startHost, stopAllHosts, type VpsHost } from '../rig/hosts';
import {
  agentPid,
  build,
  BUNDLE,
  buildAgentVersion,
  bundleVersion,
  sshdSessions,
  waitFor,
} from './core-helpers';

const AGENT_PASSWORD = 'agent-admin-Secret-4711';
const DEPLOY_AGENT_PASSWORD = 'deploy-admin-Secret-0815';

let home: string;
/** A private copy: other tests rebuild dist/agent/agent.cjs while this file runs. */
let bundle: string;
let knownHosts: string;
let desktop: Desktop;
const events: DesktopEvent[] = [];
const logs: string[] = [];
const errors: string[] = [];
let a: VpsHost;
let b: VpsHost;
let serverA: ServerView;
let serverB: ServerView;

/** Runs a call expected to fail; keeps the error's text for the secret-leak check. */
async function failure(p: Promise<unknown>): Promise<UltrabaseError> {
  try {
    await p;
  } catch (err) {
    errors.push(
      JSON.stringify((err as UltrabaseError).toJSON?.() ?? String(err)),
      (err as Error).message,
    );
    return err as UltrabaseError;
  }
  throw new Error('expected a failure');
}

function newDesktop(agentBundlePath = bundle): Desktop {
  const d = createDesktop({
    home,
    agentBundlePath,
    nodeRuntimePath: '/usr/bin/node',
    knownHostsPath: knownHosts,
    localServer: false,
    logger: {
      info: (m, f) => logs.push(m + ' ' + JSON.stringify(f ?? {})),
      warn: (m, f) => logs.push(m + ' ' + JSON.stringify(f ?? {})),
      error: (m, f) => logs.push(m + ' ' + JSON.stringify(f ?? {})),
    },
  });
  d.onEvent((e) => events.push(e));
  return d;
}

/**
 * The running agent got launch.ts's node flags (before the bundle) and environment: the memory
 * settings behind the RSS rows of `npm run bench`, whichever launcher started it.
 */
function expectLaunchSettings(pid: number): void {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  expect(argv.slice(1, 1 + AGENT_NODE_FLAGS.length)).toEqual([...AGENT_NODE_FLAGS]);
  expect(argv[1 + AGENT_NODE_FLAGS.length]).toMatch(/agent\.cjs$/);
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  for (const [k, v] of Object.entries(AGENT_ENV)) expect(env).toContain(`${k}=${v}`);
}

beforeAll(async () => {
  build('agent');
  home = mkdtempSync(path.join(tmpdir(), 'ub-core-'));
  bundle = path.join(home, 'agent.cjs');
  copyFileSync(BUNDLE, bundle);
  knownHosts = path.join(home, 'known_hosts');
  writeFileSync(knownHosts, '');
  [a, b] = await Promise.all([startHost(), startHost({ user: true })]);
  desktop = newDesktop();
});

afterAll(async () => {
  await desktop?.close();
  await stopAllHosts();
});

describe('one server from nothing', () => {
  it('adds a server: the settings file holds no secret', async () => {
    serverA = await desktop.addServer({
      name: 'alpha',
      host: a.address,
      auth: 'key',
      keyPath: a.rootKeyPath,
      secrets: { agentPassword: AGENT_PASSWORD },
    });
    expect(serverA).toMatchObject({
      state: 'disconnected',
      username: 'root',
      agentUsername: 'admin',
    });
    expect(serverA.secrets.agentPassword).toBe(true);
    expect(readFileSync(path.join(home, 'settings.json'), 'utf8')).not.toContain(AGENT_PASSWORD);
  });

  it('refuses an unknown host key until the person confirms the right fingerprint', async () => {
    const unknown = await failure(desktop.connectServer(serverA.id));
    expect(unknown.code).toBe('HOST_KEY_UNKNOWN');
    expect(unknown.data).toMatchObject({
      host: a.address,
      port: 22,
      fingerprint: a.hostKeyFingerprint,
      algorithm: 'ssh-ed25519',
    });
    // Nothing was installed before the key was trusted.
    expect(existsSync(path.join(a.dirs.opt, 'agent'))).toBe(false);

    const wrong = await failure(desktop.trustHostKey(serverA.id, 'SHA256:' + 'A'.repeat(43)));
    expect(wrong.code).toBe('HOST_KEY_MISMATCH');
    const trusted = await desktop.trustHostKey(serverA.id, a.hostKeyFingerprint);
    expect(trusted.hostKey?.fingerprint).toBe(a.hostKeyFingerprint);
  });

  it('bootstraps the agent (upload, verify, admin, detached start) and logs in', async () => {
    const view = await desktop.connectServer(serverA.id);
    expect(view.state).toBe('connected');
    expect(view.agent?.version).toBe(bundleVersion(bundle));
    expect(view.user).toMatchObject({ username: 'admin', role: 'admin' });
    const installed = path.join(a.dirs.opt, 'agent', bundleVersion(bundle), 'agent.cjs');
    expect(readFileSync(installed)).toEqual(readFileSync(bundle));
    expect(agentPid(a)).toBeGreaterThan(0);
    expectLaunchSettings(agentPid(a));
    expect(readFileSync(path.join(a.dirs.opt, 'agent/current'), 'utf8').trim().split(' ')[3]).toBe(
      AGENT_LAUNCH_REVISION,
    );
    expect((await a.exec(['test', '-S', '/run/ultrabase/agent.sock'])).code).toBe(0);
    const link = desktop.inspect(serverA.id).link as SshLink;
    expect(link.tunnel).toBe('streamlocal');
    expect(
      events.some(
        (e) =>
          e.type === 'server.state' &&
          e.server.id === serverA.id &&
          e.server.state === 'bootstrapping',
      ),
    ).toBe(true);
  });

  it('creates and lists projects (dry run)', async () => {
    const { project } = await desktop.createProject(serverA.id, { name: 'shop one', dryRun: true });
    expect(project).toMatchObject({
      name: 'shop one',
      serverId: serverA.id,
      serverName: 'alpha',
      exposure: 'private',
    });
    const list = await desktop.listProjects(serverA.id);
    expect(list.map((p) => p.name)).toContain('shop one');
    const bad = await failure(desktop.createProject(serverA.id, { name: '../evil', dryRun: true }));
    expect(bad.code).toBe('INVALID_NAME');
  });

  it('a second connect finds the agent installed and does not reinstall it', async () => {
    const pid = agentPid(a);
    const d2 = newDesktop();
    try {
      const v = await d2.connectServer(serverA.id);
      expect(v.state).toBe('connected');
      expect(agentPid(a)).toBe(pid);
    } finally {
      await d2.close();
    }
  });
});

describe('several servers', () => {
  it('a second server as a non-root user with a password, its key known from known_hosts', async () => {
    writeFileSync(knownHosts, b.knownHostsLine + '\n');
    serverB = await desktop.addServer({
      name: 'bravo',
      host: b.address,
      username: b.user!.name,
      auth: 'password',
      secrets: { sshPassword: b.user!.password, agentPassword: DEPLOY_AGENT_PASSWORD },
    });
    const wrong = await desktop.addServer({
      name: 'bravo-wrong-password',
      host: b.address,
      username: b.user!.name,
      auth: 'password',
      secrets: { sshPassword: 'not-the-password', agentPassword: DEPLOY_AGENT_PASSWORD },
    });
    expect((await failure(desktop.connectServer(wrong.id))).code).toBe('SSH_AUTH_FAILED');
    await desktop.removeServer(wrong.id);

    const v = await desktop.connectServer(serverB.id);
    expect(v.state).toBe('connected');
    // Non-root install lives in the user's home.
    const userHome = path.join(b.dirs.home, b.user!.name);
    expect(
      existsSync(path.join(userHome, '.ultrabase/agent', bundleVersion(bundle), 'agent.cjs')),
    ).toBe(true);
    await desktop.createProject(serverB.id, { name: 'blog', dryRun: true });
  });

  it("without systemd, the agent user's crontab starts the agent at boot (@reboot), once", async () => {
    // The rig has no systemd (PID 1 is not systemd), so both installs took the detached path.
    const user = { user: true };
    const crontab = (await b.exec(['crontab', '-l'], user)).stdout;
    const lines = crontab.split('\n').filter((l) => l.includes('# ultrabase-agent'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^@reboot /);
    expect(lines[0]).toContain(`/.ultrabase/agent/${bundleVersion(bundle)}/agent.cjs`);
    expect((desktop.inspect(serverB.id).link as SshLink).bootstrap?.bootStart).toBe('cron');
    // Root's own crontab got its line too, on its own host.
    expect((await a.exec(['crontab', '-l'])).stdout).toContain('/opt/ultrabase/agent/');

    // A reboot: the agent and its socket are gone, then cron runs the line as the user.
    const userHome = path.join(b.dirs.home, b.user!.name);
    await desktop.disconnectServer(serverB.id);
    const before = agentPid(b, userHome);
    await b.exec(['kill', '-9', String(before)]);
    await waitFor(
      'the killed agent to be gone',
      async () => (await b.exec(['kill', '-0', String(before)])).code !== 0,
      10_000,
    );
    const command = lines[0]!
      .replace(/^@reboot /, '')
      .replace(/ # ultrabase-agent$/, '')
      .replace(/\\%/g, '%');
    // As cron runs it: /bin/sh, a bare environment, detached from whoever ran it.
    const userDir = path.posix.join('/home', b.user!.name);
    const boot = await b.exec(
      [
        'env',
        '-i',
        'PATH=/usr/bin:/bin',
        `HOME=${userDir}`,
        `LOGNAME=${b.user!.name}`,
        'setsid',
        'sh',
        '-c',
        '(sh -c "$1") </dev/null >/dev/null 2>&1 &',
        'sh',
        command,
      ],
      user,
    );
    expect(boot.code, boot.stderr).toBe(0);
    await waitFor(
      'the agent started by the boot line',
      async () =>
        (
          await b.exec([
            'test',
            '-S',
            path.posix.join('/home', b.user!.name, '.ultrabase/run/agent.sock'),
          ])
        ).code === 0,
      15_000,
    );
    const after = agentPid(b, userHome);
    expect(after).not.toBe(before);
    expectLaunchSettings(after);
    // The desktop finds that agent running and current: nothing reinstalled, crontab untouched.
    const v = await desktop.connectServer(serverB.id);
    expect(v.state).toBe('connected');
    expect(agentPid(b, userHome)).toBe(after);
    expect((await b.exec(['crontab', '-l'], user)).stdout).toBe(crontab);

    // A crontab edited away (or an install from before the line existed) gets the line back at
    // the next connect that probes, and the running agent is left alone.
    await b.exec(['crontab', '-r'], user);
    const d2 = newDesktop();
    try {
      expect((await d2.connectServer(serverB.id)).state).toBe('connected');
    } finally {
      await d2.close();
    }
    expect((await b.exec(['crontab', '-l'], user)).stdout).toBe(crontab);
    expect(agentPid(b, userHome)).toBe(after);
  });

  it('lists the projects of both servers in one view, each with its server', async () => {
    const all = await desktop.listProjects();
    const names = all.map((p) => `${p.serverName}/${p.name}`).sort();
    expect(names).toEqual(expect.arrayContaining(['alpha/shop one', 'bravo/blog']));
    expect(new Set(all.map((p) => p.serverId))).toEqual(new Set([serverA.id, serverB.id]));
  });
});

describe('connection loss', () => {
  it('killing the SSH session reconnects, resumes the session and keeps events flowing', async () => {
    const before = events.length;
    const sessions = sshdSessions(a);
    expect(sessions.length).toBeGreaterThan(0);
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    await waitFor('reconnecting', () =>
      events
        .slice(before)
        .some(
          (e) =>
            e.type === 'server.state' &&
            e.server.id === serverA.id &&
            e.server.state === 'reconnecting',
        ),
    );
    await waitFor('reconnected', () =>
      events
        .slice(before)
        .some(
          (e) =>
            e.type === 'server.state' &&
            e.server.id === serverA.id &&
            e.server.state === 'connected',
        ),
    );
    // The event subscription was reopened: a change on the server reaches us again.
    const mark = events.length;
    const { project } = await desktop.createProject(serverA.id, {
      name: 'after reconnect',
      dryRun: true,
    });
    await waitFor('project.changed after reconnect', () =>
      events.slice(mark).some((e) => e.type === 'project.changed' && e.project.id === project.id),
    );
  });
});

describe('harder servers', () => {
  it('a server only reachable through a jump host', async () => {
    const c = await startHost({ behind: a });
    const serverC = await desktop.addServer({
      name: 'charlie',
      host: c.address,
      auth: 'key',
      keyPath: c.rootKeyPath,
      jumpServerId: serverA.id,
      secrets: { agentPassword: AGENT_PASSWORD },
    });
    const unknown = await failure(desktop.connectServer(serverC.id));
    expect(unknown.code).toBe('HOST_KEY_UNKNOWN');
    expect(unknown.data?.fingerprint).toBe(c.hostKeyFingerprint);
    await desktop.trustHostKey(serverC.id, c.hostKeyFingerprint);
    expect((await desktop.connectServer(serverC.id)).state).toBe('connected');
    await desktop.createProject(serverC.id, { name: 'hidden', dryRun: true });
    expect((await desktop.listProjects(serverC.id)).map((p) => p.name)).toEqual(['hidden']);
  });

  it('a server that forbids socket forwarding works through agent.cjs dial', async () => {
    const d = await startHost({ allowStreamLocalForwarding: false });
    writeFileSync(knownHosts, [b.knownHostsLine, d.knownHostsLine].join('\n') + '\n');
    const serverD = await desktop.addServer({
      name: 'delta',
      host: d.address,
      auth: 'key',
      keyPath: d.rootKeyPath,
      secrets: { agentPassword: AGENT_PASSWORD },
    });
    expect((await desktop.connectServer(serverD.id)).state).toBe('connected');
    expect((desktop.inspect(serverD.id).link as SshLink).tunnel).toBe('dial');
    await desktop.createProject(serverD.id, { name: 'dialed', dryRun: true });
    expect((await desktop.listProjects(serverD.id)).map((p) => p.name)).toEqual(['dialed']);
  });

  it('a server without Node gets the runtime the app carries', async () => {
    const e = await startHost({ withoutNode: true });
    expect((await e.exec(['sh', '-c', 'node -v'])).code).not.toBe(0);
    writeFileSync(knownHosts, [b.knownHostsLine, e.knownHostsLine].join('\n') + '\n');
    const serverE = await desktop.addServer({
      name: 'echo',
      host: e.address,
      auth: 'key',
      keyPath: e.rootKeyPath,
      secrets: { agentPassword: AGENT_PASSWORD },
    });
    expect((await desktop.connectServer(serverE.id)).state).toBe('connected');
    expect(readFileSync(path.join(e.dirs.opt, 'runtime/node')).length).toBe(
      readFileSync('/usr/bin/node').length,
    );
    await desktop.createProject(serverE.id, { name: 'carried', dryRun: true });
  });

  it('a server that is unreachable or refuses gets a clear code', async () => {
    const refused = await desktop.addServer({
      name: 'nobody',
      host: a.address,
      port: 2,
      auth: 'key',
      keyPath: a.rootKeyPath,
    });
    expect((await failure(desktop.connectServer(refused.id))).code).toBe('CONNECTION_REFUSED');
    const unresolvable = await desktop.addServer({
      name: 'nowhere',
      host: 'no-such-host.invalid',
      auth: 'key',
      keyPath: a.rootKeyPath,
    });
    expect((await failure(desktop.connectServer(unresolvable.id))).code).toBe('HOST_NOT_FOUND');
    await desktop.removeServer(refused.id);
    await desktop.removeServer(unresolvable.id);
  });
});

describe('upgrade and key change', () => {
  it('a newer app upgrades the agent in place and the projects survive', async () => {
    const before = (await desktop.listProjects(serverA.id)).map((p) => p.id).sort();
    const oldPid = agentPid(a);
    await desktop.close();
    const newer = path.join(home, 'agent-next.cjs');
    await buildAgentVersion('9.9.9-test', newer);
    desktop = newDesktop(newer);
    const v = await desktop.connectServer(serverA.id);
    expect(v.agent?.version).toBe('9.9.9-test');
    expect(agentPid(a)).not.toBe(oldPid);
    expect(existsSync(path.join(a.dirs.opt, 'agent/9.9.9-test/agent.cjs'))).toBe(true);
    expect((await desktop.listProjects(serverA.id)).map((p) => p.id).sort()).toEqual(before);
  });

  it('an agent started with older launch settings is restarted with these at the next connect, not reinstalled', async () => {
    // As an install from before launch.ts recorded its revision: the same bundle, three fields.
    const userHome = path.join(b.dirs.home, b.user!.name);
    const currentOf = {
      a: path.join(a.dirs.opt, 'agent/current'),
      b: path.join(userHome, '.ultrabase/agent/current'),
    };
    const pids = { a: agentPid(a), b: agentPid(b, userHome) };
    const crontab = (await b.exec(['crontab', '-l'], { user: true })).stdout;
    for (const file of Object.values(currentOf)) {
      const fields = readFileSync(file, 'utf8').trim().split(' ');
      expect(fields[3]).toBe(AGENT_LAUNCH_REVISION);
      writeFileSync(file, fields.slice(0, 3).join(' ') + '\n');
    }
    await desktop.disconnectServer(serverA.id);
    // A fresh desktop (an app started again) probes; root's detached start on A, the user's
    // detached start and boot line on B.
    const d2 = newDesktop(path.join(home, 'agent-next.cjs'));
    const d3 = newDesktop();
    try {
      expect((await d2.connectServer(serverA.id)).state).toBe('connected');
      expect((await d3.connectServer(serverB.id)).state).toBe('connected');
      expect((d2.inspect(serverA.id).link as SshLink).bootstrap?.installed).toBe(false);
      expect((d3.inspect(serverB.id).link as SshLink).bootstrap?.installed).toBe(false);
    } finally {
      await d2.close();
      await d3.close();
    }
    expect(agentPid(a)).not.toBe(pids.a);
    expect(agentPid(b, userHome)).not.toBe(pids.b);
    expectLaunchSettings(agentPid(a));
    expectLaunchSettings(agentPid(b, userHome));
    for (const file of Object.values(currentOf)) {
      expect(readFileSync(file, 'utf8').trim().split(' ')[3]).toBe(AGENT_LAUNCH_REVISION);
    }
    expect((await b.exec(['crontab', '-l'], { user: true })).stdout).toBe(crontab);
  });

  it('refuses a server whose host key changed, naming both fingerprints', async () => {
    const old = a.hostKeyFingerprint;
    await desktop.disconnectServer(serverA.id);
    await a.regenerateHostKey();
    const changed = await failure(desktop.connectServer(serverA.id));
    expect(changed.code).toBe('HOST_KEY_CHANGED');
    expect(changed.data).toMatchObject({ expected: old, actual: a.hostKeyFingerprint });
    expect((await desktop.listServers()).find((s) => s.id === serverA.id)?.state).toBe('error');
  });

  it('no secret ever reached the settings file, the logs or an error message', async () => {
    const haystack = [
      readFileSync(path.join(home, 'settings.json'), 'utf8'),
      ...logs,
      ...errors,
      JSON.stringify(events),
    ].join('\n');
    for (const secret of [AGENT_PASSWORD, DEPLOY_AGENT_PASSWORD, b.user!.password]) {
      expect(haystack).not.toContain(secret);
    }
  });
});
