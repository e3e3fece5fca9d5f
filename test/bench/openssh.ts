// The usual way, as a person or a script does it: Debian's OpenSSH client, one process per
// action, optionally over a ControlMaster connection (multiplexing). Host keys are checked
// strictly against a known_hosts file written from the rig's host key; BatchMode, so nothing can
// wait for a prompt. The remote command is one line for the remote shell (SSH has no argv on
// the wire), so every word goes through the core's single-quote escaping.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shellCommand } from '../../electron/src/core/ssh/shell-quote';
import { elapsedMs, now } from './stats';

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  keyPath: string;
  knownHostsLine: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

const COMMAND_TIMEOUT_MS = 120_000;

export class OpenSsh {
  private master: ChildProcess | undefined;
  private readonly controlPath: string;
  private readonly knownHostsPath: string;

  constructor(
    private readonly target: SshTarget,
    workDir: string,
  ) {
    this.controlPath = join(workDir, 'cm.sock');
    this.knownHostsPath = join(workDir, 'known_hosts');
  }

  async init(): Promise<void> {
    await writeFile(this.knownHostsPath, this.target.knownHostsLine + '\n', { mode: 0o600 });
  }

  /** `direct`: a new connection; `mux`: over the master; `master`: the master itself. */
  private baseArgs(mode: 'direct' | 'mux' | 'master'): string[] {
    const t = this.target;
    const args = [
      '-F',
      '/dev/null',
      '-i',
      t.keyPath,
      '-p',
      String(t.port),
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${this.knownHostsPath}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'ConnectTimeout=20',
    ];
    const controlPath = mode === 'direct' ? 'none' : this.controlPath;
    args.push('-o', `ControlMaster=${mode === 'master' ? 'yes' : 'no'}`);
    args.push('-o', `ControlPath=${controlPath}`);
    return args;
  }

  /** Opens the ControlMaster connection that `mux: true` commands ride on. */
  async startMaster(): Promise<void> {
    const t = this.target;
    this.master = spawn('ssh', [...this.baseArgs('master'), '-N', `${t.user}@${t.address}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    this.master.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    // Ready once `ssh -O check` answers; bounded to 20 s.
    for (let i = 0; i < 200; i++) {
      if (this.master.exitCode !== null) throw new Error(`ssh master exited: ${stderr}`);
      const check = await this.spawnRun(
        'ssh',
        [...this.baseArgs('mux'), '-O', 'check', `${t.user}@${t.address}`],
        5000,
      );
      if (check.code === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`ssh master not ready after 20 s: ${stderr}`);
  }

  async stopMaster(): Promise<void> {
    const m = this.master;
    this.master = undefined;
    if (!m || m.exitCode !== null) return;
    const exited = new Promise((r) => m.once('exit', r));
    m.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  }

  /** `ssh host <words…>` to the end, timed from spawn to exit. */
  run(words: readonly string[], opts: { mux: boolean }): Promise<RunResult> {
    return this.spawnRun('ssh', this.args(words, opts.mux), COMMAND_TIMEOUT_MS);
  }

  /**
   * `ssh host <words…>`, counting newlines on stdout until `lines` have arrived; the client is
   * then ended (a `docker logs -f` never ends by itself). Timed from spawn to the last line.
   */
  countLines(
    words: readonly string[],
    lines: number,
    opts: { mux: boolean; timeoutMs: number },
  ): Promise<{ ms: number; lines: number; bytes: number }> {
    return new Promise((resolve, reject) => {
      const t0 = now();
      const child = spawn('ssh', this.args(words, opts.mux), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let seen = 0;
      let bytes = 0;
      let done = false;
      let stderr = '';
      const timer = setTimeout(
        () => finish(new Error(`timed out after ${seen} lines`)),
        opts.timeoutMs,
      );
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        const ms = elapsedMs(t0);
        clearTimeout(timer);
        child.kill('SIGTERM');
        if (err) reject(err);
        else resolve({ ms, lines: seen, bytes });
      };
      child.stdout.on('data', (b: Buffer) => {
        bytes += b.length;
        for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) seen++;
        if (seen >= lines) finish();
      });
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', (e) => finish(e));
      child.on('exit', (code) => {
        if (!done) finish(new Error(`ssh exited (${code}) after ${seen} lines: ${stderr.trim()}`));
      });
    });
  }

  private args(words: readonly string[], mux: boolean): string[] {
    const t = this.target;
    return [
      ...this.baseArgs(mux ? 'mux' : 'direct'),
      `${t.user}@${t.address}`,
      shellCommand(words),
    ];
  }

  private spawnRun(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const t0 = now();
      const child = spawn(cmd, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({
          code: code ?? -1,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
          ms: elapsedMs(t0),
        }),
      );
    });
  }
}
