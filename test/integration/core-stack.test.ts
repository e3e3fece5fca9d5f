// The core with a real Supabase stack (stand-in images, the real engine and compose v1): create
// through the desktop, open a private project through a local port forward, follow its logs,
// then cut the SSH connection mid-stream: the core reconnects and the same stream continues,
// without repeating what was already delivered.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktop, type Desktop } from '../../electron/src/core/desktop';
import type { DesktopEvent, LogLine, ProjectView } from '@contract/api';
import { ensureStandinImages } from '../rig/images';
import { startHost, type VpsHost } from '../rig/hosts';
import { build, BUNDLE, sshdSessions, waitFor } from './core-helpers';
import { rigConfigFile } from './rig-agent';

let host: VpsHost;
let desktop: Desktop;
let serverId: string;
let project: ProjectView;
const events: DesktopEvent[] = [];

/** Only one dockerView host may exist on the machine: wait for the slot if another test has it. */
async function startDockerViewHost(): Promise<VpsHost> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      return await startHost({ dockerView: true });
    } catch (err) {
      if (!/already a mount point/.test(String(err)) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

beforeAll(async () => {
  build('agent');
  const home = mkdtempSync(path.join(tmpdir(), 'ub-core-stack-'));
  const bundle = path.join(home, 'agent.cjs');
  copyFileSync(BUNDLE, bundle);
  const standins = await ensureStandinImages();
  host = await startDockerViewHost();
  writeFileSync(
    path.join(host.dirs.etc, 'agent.json'),
    rigConfigFile({
      images: standins.images,
      autoRepair: false,
      // A shared, busy machine: the thresholds are the agent's to test, not this file's.
      resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
    }),
  );
  desktop = createDesktop({ home, agentBundlePath: bundle, localServer: false });
  desktop.onEvent((e) => events.push(e));
  const server = await desktop.addServer({
    name: 'stack',
    host: host.address,
    port: host.port,
    auth: 'key',
    keyPath: host.rootKeyPath,
    secrets: { agentPassword: 'stack-admin-Secret-1618' },
  });
  serverId = server.id;
  await desktop.trustHostKey(serverId, host.hostKeyFingerprint);
  await desktop.connectServer(serverId);
}, 900_000);

afterAll(async () => {
  if (project) await desktop.deleteProject(serverId, project.id).catch(() => undefined);
  await desktop?.close();
  await host?.stop();
});

async function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
  await res.arrayBuffer();
  return res.status;
}

describe('a real project through the core', () => {
  it('creates a private project and reports progress until it runs', async () => {
    const created = await desktop.createProject(serverId, { name: 'real one' });
    project = created.project;
    const done = await waitFor(
      'creation to finish',
      async () => {
        const p = await desktop.projectProgress(serverId, project.id);
        return p.finished ? p : undefined;
      },
      600_000,
    );
    expect(done.events.find((e) => e.status === 'failed')).toBeUndefined();
    const [now] = (await desktop.listProjects(serverId)).filter((p) => p.id === project.id);
    expect(now?.status).toBe('running');
    expect(
      events.some((e) => e.type === 'project.progress' && e.event.instanceId === project.id),
    ).toBe(true);
  });

  it('opens the private API through a local port forward on 127.0.0.1', async () => {
    const { url } = await desktop.openProject(serverId, project.id, 'api');
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(new URL(url).port).not.toBe(String(project.ports.kongHttp));
    expect(await get(new URL('/auth/v1/health', url).toString())).toBeLessThan(500);
  });

  it('keeps a log stream going across a killed SSH connection, without repeats', async () => {
    // Auth logs one line per request; Kong forwards to it only with an API key.
    const { anonKey } = await desktop.projectCredentials(serverId, project.id);
    const { stream } = await desktop.followLogs(serverId, project.id, { service: 'auth', tail: 0 });
    const lines: LogLine[] = [];
    desktop.onEvent((e) => {
      if (e.type !== 'stream.data' || e.stream !== stream) return;
      lines.push(...e.lines);
      void desktop.ackStream(stream, e.bytes);
    });
    const hit = async (marker: string) => {
      const { url } = await desktop.openProject(serverId, project.id, 'api');
      expect(
        await get(new URL(`/auth/v1/health?m=${marker}`, url).toString(), { apikey: anonKey }),
      ).toBe(200);
    };
    const seen = (marker: string) => lines.filter((l) => l.text.includes(marker)).length;

    await hit('marker-before-cut');
    await waitFor(
      'the first marker in the log stream',
      () => seen('marker-before-cut') > 0,
      60_000,
    ).catch((err: Error) => {
      const ends = events.filter((e) => e.type === 'stream.end');
      throw new Error(
        `${err.message}; ${lines.length} lines, last ${JSON.stringify(lines.slice(-3))}; ends ${JSON.stringify(ends)}`,
      );
    });

    const mark = events.length;
    for (const pid of sshdSessions(host)) process.kill(pid, 'SIGKILL');
    await waitFor('reconnected', () =>
      events
        .slice(mark)
        .some(
          (e) =>
            e.type === 'server.state' && e.server.id === serverId && e.server.state === 'connected',
        ),
    );
    await hit('marker-after-cut');
    await waitFor(
      'the second marker on the same stream',
      () => seen('marker-after-cut') > 0,
      60_000,
    );
    expect(seen('marker-before-cut')).toBe(1);
    expect(events.some((e) => e.type === 'stream.end' && e.stream === stream)).toBe(false);
    await desktop.closeStream(stream);
  });
});
