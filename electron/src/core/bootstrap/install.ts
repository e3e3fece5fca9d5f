import type { Client, SFTPWrapper } from 'ssh2';
import { randomBytes } from 'node:crypto';
import { UltrabaseError } from '@contract/errors';
import { execCommand } from '../ssh/exec';
import { shellCommand, shellQuote } from '../ssh/shell-quote';
import { parseProbe, PROBE_SCRIPT, type ProbeResult } from './probe';
import { sha256File } from './local-agent';
import { bootCronLine, installBootEntryCommand, removeBootEntryCommand } from './boot-entry';
import { planInstall, type InstallPlan, type LocalAgent, type RemoteLayout } from './plan';
import {
  AGENT_LAUNCH_REVISION,
  agentServeArgs,
  detachedServeScript,
  systemdEnvironment,
} from './launch';

export type BootstrapStep =
  'probe' | 'upload-runtime' | 'upload-agent' | 'stop-old' | 'create-admin' | 'start';

export interface BootstrapOptions {
  local: LocalAgent & { bundlePath: string; bundle: Buffer };
  agentUsername: string;
  /** Read only when a first admin must be created. */
  agentPassword: () => Promise<string>;
  onStep?: (step: BootstrapStep) => void;
}

export interface BootstrapOutcome {
  probe: ProbeResult;
  layout: RemoteLayout;
  nodePath: string;
  installed: boolean;
  upgradedFrom?: string;
  /**
   * What starts the agent when the server boots, when this bootstrap (re)started it: the
   * systemd unit, an `@reboot` line in the agent user's crontab (boot-entry.ts), or nothing
   * (no systemd and no crontab program).
   */
  bootStart?: 'systemd' | 'cron' | 'none';
}

const SYSTEMD_UNIT = '/etc/systemd/system/ultrabase-agent.service';

function failed(step: string, detail: string): UltrabaseError {
  return new UltrabaseError(
    'BOOTSTRAP_FAILED',
    `Installing the agent failed while ${step}: ${detail.trim().slice(-500)}`,
    {
      step,
    },
  );
}

export async function probeServer(client: Client, expected: string): Promise<ProbeResult> {
  const r = await execCommand(client, shellCommand(['sh', '-c', PROBE_SCRIPT, 'probe', expected]), {
    timeoutMs: 30_000,
  });
  try {
    return parseProbe(r.stdout);
  } catch {
    throw new UltrabaseError(
      'SERVER_UNSUITABLE',
      'The server did not answer the probe: its login shell must be a POSIX shell (sh, bash, dash).',
      { missing: ['posix-shell'], stderr: r.stderr.slice(0, 300) },
    );
  }
}

function sftpOf(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) =>
    client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))),
  );
}

/** Upload to a temp name, compare SHA-256 on the server, then rename into place. */
async function uploadVerified(
  client: Client,
  source: string | Buffer,
  sha256: string,
  remotePath: string,
  mode: number,
) {
  const dir = remotePath.slice(0, remotePath.lastIndexOf('/'));
  const tmp = `${dir}/.upload-${randomBytes(6).toString('hex')}`;
  const mk = await execCommand(client, shellCommand(['mkdir', '-p', '-m', '700', dir]));
  if (mk.code !== 0) throw failed('creating ' + dir, mk.stderr);
  const sftp = await sftpOf(client);
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (err: Error | null | undefined) =>
        err ? reject(failed('uploading ' + remotePath, err.message)) : resolve();
      if (Buffer.isBuffer(source)) sftp.writeFile(tmp, source, { mode }, done);
      else sftp.fastPut(source, tmp, { mode }, done);
    });
  } finally {
    sftp.end();
  }
  const check = await execCommand(
    client,
    `${shellCommand(['sha256sum', tmp])} && ${shellCommand(['chmod', mode.toString(8), tmp])}`,
  );
  const remoteSha = check.stdout.split(/\s+/)[0];
  if (check.code !== 0 || remoteSha !== sha256) {
    await execCommand(client, shellCommand(['rm', '-f', tmp]));
    throw failed(
      'verifying ' + remotePath,
      `SHA-256 on the server is ${remoteSha || 'unknown'}, expected ${sha256}`,
    );
  }
  const mv = await execCommand(client, shellCommand(['mv', '-f', tmp, remotePath]));
  if (mv.code !== 0) throw failed('installing ' + remotePath, mv.stderr);
}

function stopCommand(layout: RemoteLayout, systemd: boolean): string {
  if (systemd) return 'systemctl stop ultrabase-agent';
  const pid = shellQuote(layout.pidFile);
  // SIGTERM lets the agent finish its atomic writes; SIGKILL only if it hangs for 10 s.
  return `if [ -r ${pid} ]; then p=$(cat ${pid}); kill "$p" 2>/dev/null; i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; if kill -0 "$p" 2>/dev/null; then kill -9 "$p"; fi; rm -f ${pid}; fi; true`;
}

export function startDetachedCommand(layout: RemoteLayout, nodePath: string): string {
  const q = shellQuote;
  const out = `${layout.runDir}/agent.out`;
  // `sh -c` writes its own pid then execs node (with launch.ts's flags and environment), so the
  // pid file names the agent itself; setsid detaches it from the SSH session so a dropped
  // connection does not kill it.
  const inner = detachedServeScript();
  const launcher = `command -v setsid >/dev/null 2>&1 && s=setsid || s=nohup`;
  return [
    `mkdir -p -m 700 ${q(layout.runDir)} ${q(layout.dataDir)}`,
    `rm -f ${q(layout.socketPath)}`,
    launcher,
    `$s sh -c ${q(inner)} ${q(layout.pidFile)} ${q(nodePath)} ${q(layout.bundlePath)} ${q(layout.dataDir)} ${q(layout.socketPath)} </dev/null >>${q(out)} 2>&1 &`,
    `i=0; while [ ! -S ${q(layout.socketPath)} ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done`,
    `if [ ! -S ${q(layout.socketPath)} ]; then tail -n 20 ${q(out)} >&2; exit 1; fi`,
  ].join('\n');
}

/**
 * The agent runs as root (it drives Docker and, for staff accounts, creates Linux users), so
 * the unit takes away what it never needs: gaining privileges through setuid programs, a /tmp
 * shared with other users, writes to the OS binaries, kernel settings and modules.
 * Deliberately not stricter: ProtectSystem=full/strict would make /etc read-only and
 * ProtectHome would hide home folders, and both are written when staff accounts are added
 * (useradd, authorized_keys); Docker's compose plugin may also live under /root/.docker.
 */
export function systemdUnit(layout: RemoteLayout, nodePath: string): string {
  return `[Unit]
Description=Ultrabase agent (manages Supabase instances)
After=docker.service network-online.target
Wants=docker.service

[Service]
${systemdEnvironment()}ExecStart=${shellCommand([nodePath, ...agentServeArgs(layout)])}
Restart=on-failure
RestartSec=2
UMask=0077
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=true
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictRealtime=yes

[Install]
WantedBy=multi-user.target
`;
}

async function run(client: Client, step: string, command: string, stdin?: string): Promise<string> {
  const r = await execCommand(client, command, stdin === undefined ? {} : { stdin });
  if (r.code !== 0)
    throw failed(step, r.stderr || r.stdout || `exit ${r.code ?? 'signal ' + (r.signal ?? '?')}`);
  return r.stdout;
}

/**
 * Makes sure the right agent runs on the server: probe, then only the steps the plan needs.
 * A connect that finds the agent installed and running costs one exec.
 */
export async function ensureAgent(
  client: Client,
  options: BootstrapOptions,
): Promise<BootstrapOutcome> {
  options.onStep?.('probe');
  const probe = await probeServer(client, `${options.local.version} ${options.local.sha256}`);
  const plan: InstallPlan = planInstall(probe, options.local);
  if (!plan.ok) {
    throw new UltrabaseError(
      'SERVER_UNSUITABLE',
      `This server cannot run the agent yet: ${plan.details.join(' ')}`,
      { missing: plan.missing },
    );
  }
  const { layout } = plan;
  const outcome: BootstrapOutcome = {
    probe,
    layout,
    nodePath: plan.nodePath,
    installed: plan.uploadAgent,
  };
  if (probe.installed && plan.uploadAgent) outcome.upgradedFrom = probe.installed.version;
  if (plan.node === 'upload' && options.local.runtime) {
    options.onStep?.('upload-runtime');
    const sha = await sha256File(options.local.runtime.path);
    await uploadVerified(client, options.local.runtime.path, sha, layout.runtimePath, 0o755);
  }
  if (plan.uploadAgent) {
    options.onStep?.('upload-agent');
    await uploadVerified(
      client,
      options.local.bundle,
      options.local.sha256,
      layout.bundlePath,
      0o600,
    );
  }
  if (plan.stopOld) {
    options.onStep?.('stop-old');
    await run(client, 'stopping the old agent', stopCommand(layout, plan.systemd));
  }
  if (plan.fresh) {
    options.onStep?.('create-admin');
    const password = await options.agentPassword();
    const r = await execCommand(
      client,
      shellCommand([
        plan.nodePath,
        layout.bundlePath,
        'admin',
        'create',
        '--username',
        options.agentUsername,
        '--data-dir',
        layout.dataDir,
      ]),
      { stdin: password + '\n' },
    );
    // Allowed only while no admin exists: on a data dir kept from an earlier install this
    // refuses, and the login that follows tells whether our password is right.
    if (r.code !== 0 && !/ADMIN_EXISTS|already exists/i.test(r.stderr + r.stdout)) {
      throw failed('creating the first admin', r.stderr || r.stdout);
    }
  }
  if (plan.start) {
    options.onStep?.('start');
    if (plan.systemd) {
      await run(
        client,
        'installing the service',
        shellCommand(['tee', SYSTEMD_UNIT]) + ' >/dev/null',
        systemdUnit(layout, plan.nodePath),
      );
      await run(
        client,
        'starting the service',
        'systemctl daemon-reload && systemctl enable ultrabase-agent >/dev/null 2>&1; systemctl restart ultrabase-agent',
      );
      // An earlier install without systemd left a crontab line: one starter at boot, not two.
      await execCommand(client, removeBootEntryCommand()).catch(() => undefined);
      outcome.bootStart = 'systemd';
      await run(
        client,
        'waiting for the agent socket',
        `i=0; while [ ! -S ${shellQuote(layout.socketPath)} ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; [ -S ${shellQuote(layout.socketPath)} ] || { journalctl -u ultrabase-agent -n 20 --no-pager >&2; exit 1; }`,
      );
    } else {
      if (!plan.stopOld && probe.agentRunning)
        await run(client, 'stopping a stuck agent', stopCommand(layout, false));
      await run(client, 'starting the agent', startDetachedCommand(layout, plan.nodePath));
    }
  }
  // No systemd unit: cron starts the agent at boot. Set up with each (re)start, and on a connect
  // that finds the line missing (an install from before it existed, or a crontab edited away).
  if (!plan.systemd && (plan.start || probe.bootEntry === false)) {
    // A server without crontab still works until its next reboot, so this never fails the
    // install; the outcome says what was set up.
    const cron = await execCommand(
      client,
      installBootEntryCommand(bootCronLine(layout, plan.nodePath)),
    ).catch(() => undefined);
    outcome.bootStart =
      cron?.code === 0 && /crontab: (installed|unchanged)/.test(cron.stdout) ? 'cron' : 'none';
  }
  // Also after a restart that only changed how the agent is launched (launch.ts).
  if (plan.uploadAgent || plan.relaunch) {
    await run(
      client,
      'recording the installed version',
      shellCommand([
        'sh',
        '-c',
        'printf "%s %s %s %s\\n" "$1" "$2" "$3" "$4" > "$5"',
        'sh',
        options.local.version,
        options.local.sha256,
        plan.nodePath,
        AGENT_LAUNCH_REVISION,
        `${layout.base}/agent/current`,
      ]),
    );
  }
  return outcome;
}
