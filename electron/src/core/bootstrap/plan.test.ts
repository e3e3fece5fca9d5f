import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { parseProbe, PROBE_BEGIN, PROBE_END, PROBE_SCRIPT, type ProbeResult } from './probe';
import { planInstall, type LocalAgent } from './plan';
import { AGENT_LAUNCH_REVISION } from './launch';

const framed = (body: string) =>
  `Welcome to the server!\n${PROBE_BEGIN}\n${body}\n${PROBE_END}\nbye\n`;

const ROOT_OK = framed(
  [
    'uid=0',
    'user=root',
    'home=/root',
    'base=/opt/ultrabase',
    'data=/var/lib/ultrabase',
    'run=/run/ultrabase',
    'os_id=debian',
    'os_version=12',
    'kernel=Linux',
    'arch=x86_64',
    'sudo=no',
    'systemd=no',
    'node_path=/usr/bin/node',
    'node_version=v20.11.1',
    'docker_cli=yes',
    'docker_version=24.0.7',
    'compose_version=1.29.2',
    'agent_running=no',
    'agent_socket=no',
  ].join('\n'),
);
const local: LocalAgent = { version: '0.2.0', sha256: 'b'.repeat(64) };

function probe(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return { ...parseProbe(ROOT_OK), ...overrides };
}

describe('parseProbe', () => {
  it('reads only what is inside the frame', () => {
    const p = parseProbe(ROOT_OK + 'uid=7\n');
    expect(p).toMatchObject({
      uid: 0,
      osId: 'debian',
      arch: 'x86_64',
      nodeVersion: 'v20.11.1',
      composeVersion: '1.29.2',
      systemd: false,
    });
    expect(p.installed).toBeUndefined();
    expect(() => parseProbe('no frame here')).toThrow();
  });
  it('parses the installed agent line', () => {
    const p = parseProbe(framed(`kernel=Linux\ninstalled=0.1.0 ${'a'.repeat(64)} /usr/bin/node `));
    expect(p.installed).toEqual({
      version: '0.1.0',
      sha256: 'a'.repeat(64),
      node: '/usr/bin/node',
    });
    const withLaunch = parseProbe(
      framed(`installed=0.1.0 ${'a'.repeat(64)} /usr/bin/node launch-0123456789ab `),
    );
    expect(withLaunch.installed?.launch).toBe('launch-0123456789ab');
  });
  it("says whether the crontab holds the agent's boot line, only when it was asked", () => {
    expect(parseProbe(framed('kernel=Linux\nboot_entry=no')).bootEntry).toBe(false);
    expect(parseProbe(framed('kernel=Linux\nboot_entry=yes')).bootEntry).toBe(true);
    // A root install under systemd has its unit: the probe does not ask.
    expect(parseProbe(framed('kernel=Linux')).bootEntry).toBeUndefined();
  });
  it('the real script runs under sh here and yields a parseable frame', () => {
    const out = execFileSync('sh', ['-c', PROBE_SCRIPT, 'probe', '1.0.0 abc']).toString();
    const p = parseProbe(out);
    expect(p.kernel).toBe('Linux');
    expect(p.uid).toBe(process.getuid?.());
    expect(p.nodeVersion).toBe(process.version);
    expect(p.current).toBe(false);
  });
});

describe('planInstall', () => {
  it('fresh server: upload, create the first admin, start', () => {
    const plan = planInstall(probe(), local);
    expect(plan).toMatchObject({
      ok: true,
      node: 'system',
      nodePath: '/usr/bin/node',
      uploadAgent: true,
      stopOld: false,
      start: true,
      fresh: true,
    });
    if (plan.ok) expect(plan.layout.bundlePath).toBe('/opt/ultrabase/agent/0.2.0/agent.cjs');
  });
  const launch = AGENT_LAUNCH_REVISION;
  it('same agent running: nothing to do', () => {
    const p = probe({
      installed: { version: '0.2.0', sha256: local.sha256, node: '/usr/bin/node', launch },
      agentRunning: true,
      agentSocket: true,
    });
    expect(planInstall(p, local)).toMatchObject({
      ok: true,
      uploadAgent: false,
      stopOld: false,
      start: false,
      fresh: false,
      relaunch: false,
    });
  });
  it('probe found this very agent running: nothing to do, even without Docker facts', () => {
    const p = probe({
      current: true,
      installed: {
        version: '0.2.0',
        sha256: local.sha256,
        node: '/opt/ultrabase/runtime/node',
        launch,
      },
      dockerCli: false,
      nodeVersion: undefined,
    });
    expect(planInstall(p, local)).toMatchObject({
      ok: true,
      node: 'runtime',
      uploadAgent: false,
      start: false,
      relaunch: false,
    });
  });
  it('same agent started with other launch settings (or before they were recorded): restart it with these, no upload', () => {
    for (const other of [undefined, 'launch-000000000000']) {
      const installed = { version: '0.2.0', sha256: local.sha256, node: '/usr/bin/node' };
      const p = probe({
        current: true,
        installed: other ? { ...installed, launch: other } : installed,
        agentRunning: true,
        agentSocket: true,
      });
      for (const systemd of [false, true]) {
        expect(planInstall({ ...p, systemd }, local)).toMatchObject({
          ok: true,
          nodePath: '/usr/bin/node',
          uploadAgent: false,
          stopOld: true,
          start: true,
          fresh: false,
          relaunch: true,
          systemd,
        });
      }
      // The probe ran in full (say the agent was stopped): the same.
      expect(planInstall({ ...p, current: false }, local)).toMatchObject({
        uploadAgent: false,
        stopOld: true,
        start: true,
        relaunch: true,
      });
    }
  });
  it('same agent stopped: start it without uploading', () => {
    const p = probe({
      installed: { version: '0.2.0', sha256: local.sha256, node: '/usr/bin/node', launch },
    });
    expect(planInstall(p, local)).toMatchObject({
      ok: true,
      uploadAgent: false,
      start: true,
      fresh: false,
    });
  });
  it('older agent running: upgrade in place (stop old, start new, keep data)', () => {
    const p = probe({
      installed: { version: '0.1.0', sha256: 'c'.repeat(64), node: '/usr/bin/node' },
      agentRunning: true,
      agentSocket: true,
    });
    expect(planInstall(p, local)).toMatchObject({
      ok: true,
      uploadAgent: true,
      stopOld: true,
      start: true,
      fresh: false,
    });
  });
  it('no node: upload the carried runtime when the arch matches, else say what is missing', () => {
    const p = probe({ nodePath: undefined, nodeVersion: undefined });
    const withRuntime = { ...local, runtime: { path: '/x/node', version: 'v20.1.0', arch: 'x64' } };
    expect(planInstall(p, withRuntime)).toMatchObject({
      ok: true,
      node: 'upload',
      nodePath: '/opt/ultrabase/runtime/node',
    });
    expect(planInstall(p, local)).toMatchObject({ ok: false, missing: ['node>=18'] });
    expect(planInstall({ ...p, arch: 'aarch64' }, withRuntime)).toMatchObject({
      ok: false,
      missing: ['node>=18'],
    });
    expect(planInstall({ ...p, runtimeVersion: 'v20.1.0' }, local)).toMatchObject({
      ok: true,
      node: 'runtime',
    });
    expect(planInstall(probe({ nodeVersion: 'v16.20.0' }), local)).toMatchObject({
      ok: false,
      missing: ['node>=18'],
    });
  });
  it('lists everything missing at once', () => {
    const p = probe({
      kernel: 'Darwin',
      dockerCli: false,
      dockerVersion: undefined,
      composeVersion: undefined,
    });
    expect(planInstall(p, local)).toMatchObject({ ok: false, missing: ['linux', 'docker'] });
    const noPerm = probe({
      dockerVersion: undefined,
      dockerError: 'permission denied while trying to connect',
      composeVersion: undefined,
    });
    expect(planInstall(noPerm, local)).toMatchObject({
      ok: false,
      missing: ['docker-permission', 'docker-compose'],
    });
  });
  it('uses systemd only for root installs on systemd machines', () => {
    expect(planInstall(probe({ systemd: true }), local)).toMatchObject({ systemd: true });
    expect(planInstall(probe({ systemd: true, uid: 1000 }), local)).toMatchObject({
      systemd: false,
    });
  });
});
