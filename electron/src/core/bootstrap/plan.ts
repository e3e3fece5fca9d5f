import { AGENT_LAUNCH_REVISION } from './launch';
import { nodeMajor, type ProbeResult } from './probe';

export const MIN_NODE_MAJOR = 18;

export interface LocalAgent {
  version: string;
  sha256: string;
  /** A Node runtime the app carries for servers without one (its version, e.g. v20.19.0). */
  runtime?: { path: string; version: string; arch: string };
}

export interface RemoteLayout {
  base: string;
  dataDir: string;
  runDir: string;
  agentDir: string;
  bundlePath: string;
  socketPath: string;
  pidFile: string;
  runtimePath: string;
}

export type InstallPlan =
  | { ok: false; missing: string[]; details: string[] }
  | {
      ok: true;
      layout: RemoteLayout;
      /** 'system': the server's node; 'runtime': our runtime already there; 'upload': send it. */
      node: 'system' | 'runtime' | 'upload';
      nodePath: string;
      uploadAgent: boolean;
      /** An older agent runs and must be stopped before the new one starts. */
      stopOld: boolean;
      start: boolean;
      /** No agent was ever installed here: create the first admin before starting. */
      fresh: boolean;
      /**
       * The agent was installed with other launch settings (launch.ts: node flags, environment)
       * or before they were recorded: (re)start it with the current unit, start command and
       * boot entry, and record the revision, even when the bundle itself is unchanged.
       */
      relaunch: boolean;
      systemd: boolean;
    };

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'x64',
  amd64: 'x64',
  aarch64: 'arm64',
  arm64: 'arm64',
};

export function remoteLayout(probe: ProbeResult, version: string): RemoteLayout {
  const agentDir = `${probe.base}/agent/${version}`;
  return {
    base: probe.base,
    dataDir: probe.dataDir,
    runDir: probe.runDir,
    agentDir,
    bundlePath: `${agentDir}/agent.cjs`,
    socketPath: `${probe.runDir}/agent.sock`,
    pidFile: `${probe.runDir}/agent.pid`,
    runtimePath: `${probe.base}/runtime/node`,
  };
}

/**
 * Decides what bootstrap must do, from the probe and what the app carries. Pure, so every
 * branch (fresh, upgrade, no node, unsuitable) is tested without a server.
 */
export function planInstall(probe: ProbeResult, local: LocalAgent): InstallPlan {
  const missing: string[] = [];
  const details: string[] = [];
  if (probe.kernel !== 'Linux') {
    missing.push('linux');
    details.push(`The server runs ${probe.kernel || 'an unknown system'}; the agent needs Linux.`);
  }
  if (!probe.base || !probe.home) {
    missing.push('home');
    details.push('The login has no home directory to install into.');
  }
  const layout = remoteLayout(probe, local.version);
  if (probe.current && probe.installed) {
    // The probe skipped Docker checks because this very agent runs: nothing to do, unless it
    // was started with other launch settings (then restart it with these, bundle unchanged).
    const nodePath = probe.installed.node;
    const relaunch = probe.installed.launch !== AGENT_LAUNCH_REVISION;
    return {
      ok: true,
      layout,
      node: nodePath === layout.runtimePath ? 'runtime' : 'system',
      nodePath,
      uploadAgent: false,
      stopOld: relaunch,
      start: relaunch,
      fresh: false,
      relaunch,
      systemd: probe.systemd && probe.uid === 0,
    };
  }
  let node: 'system' | 'runtime' | 'upload' = 'system';
  let nodePath = probe.nodePath ?? '';
  if (nodeMajor(probe.nodeVersion) < MIN_NODE_MAJOR) {
    if (nodeMajor(probe.runtimeVersion) >= MIN_NODE_MAJOR) {
      node = 'runtime';
      nodePath = layout.runtimePath;
    } else if (local.runtime && ARCH_ALIASES[probe.arch] === local.runtime.arch) {
      node = 'upload';
      nodePath = layout.runtimePath;
    } else {
      missing.push(`node>=${MIN_NODE_MAJOR}`);
      details.push(
        probe.nodeVersion
          ? `Node ${probe.nodeVersion} is too old (18 or newer is needed) and the app carries no runtime for ${probe.arch}.`
          : `Node.js 18 or newer is not installed and the app carries no runtime for ${probe.arch}.`,
      );
    }
  }
  if (!probe.dockerCli) {
    missing.push('docker');
    details.push('Docker is not installed (install docker.io or Docker Engine).');
  } else if (!probe.dockerVersion) {
    const permission = /permission denied/i.test(probe.dockerError ?? '');
    missing.push(permission ? 'docker-permission' : 'docker-daemon');
    details.push(
      permission
        ? `The user ${probe.user} may not use Docker: add it to the docker group or connect as root.`
        : 'The Docker daemon is not running or not reachable.',
    );
  }
  if (probe.dockerCli && !probe.composeVersion) {
    missing.push('docker-compose');
    details.push('Docker Compose is missing (install the compose plugin or docker-compose).');
  }
  if (missing.length > 0) return { ok: false, missing, details };

  const sameAgent =
    probe.installed?.version === local.version &&
    probe.installed.sha256 === local.sha256 &&
    probe.installed.node === nodePath;
  const relaunch = probe.installed?.launch !== AGENT_LAUNCH_REVISION;
  const running = probe.agentRunning && probe.agentSocket;
  return {
    ok: true,
    layout,
    node,
    nodePath,
    uploadAgent: !sameAgent,
    stopOld: (!sameAgent || relaunch) && probe.agentRunning,
    start: !sameAgent || relaunch || !running,
    fresh: probe.installed === undefined,
    relaunch,
    systemd: probe.systemd && probe.uid === 0,
  };
}
