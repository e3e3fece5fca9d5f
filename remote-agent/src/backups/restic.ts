import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isMissingRepository, resticError } from './restic-errors';
import type { ResticTarget } from './destinations';

/** The official image the agent runs restic from (mapped to a stand-in by the config's images). */
export const RESTIC_IMAGE = 'restic/restic:0.14.0';
const PASSWORD_IN_CONTAINER = '/ub/password';
const CACHE_IN_CONTAINER = '/ub/cache';

export interface ResticOptions {
  image: string;
  /** The repository password file (0600); restic reads it, so it is never in argv or env. */
  passwordFile: string;
  cacheDir: string;
  /** Extra read-only or writable mounts per run (what to back up, where to restore). */
  docker?: string;
  /**
   * Which agent runs the container (its backups folder), as the label `ultrabase.backups.owner`:
   * a clean-up after a crash removes its own leftovers, not another agent's running jobs.
   */
  owner?: string;
}

export interface ResticRun {
  child: ChildProcess;
  /** Resolves with stdout when restic exits 0, rejects with a coded error otherwise. */
  done: Promise<string>;
  /** Stops the run: the container is removed, so restic cannot save a partial snapshot. */
  abort(): void;
}

export interface RunOptions {
  mounts?: { host: string; container: string; readOnly?: boolean }[];
  /** Each JSON line restic prints (with `--json`), e.g. progress. */
  onJson?: (message: Record<string, unknown>) => void;
  /** Keep stdout in memory (default true; false for `dump`, whose stdout the caller reads). */
  collect?: boolean;
  stdin?: 'pipe';
}

/**
 * Runs restic in its pinned container, one `docker run --rm` per command. The container joins
 * the host's network (an SFTP destination may be anything the server can reach), mounts the
 * password file read-only and restic's cache, and nothing else but what a run asks for.
 */
export class Restic {
  constructor(private readonly options: ResticOptions) {}

  start(target: ResticTarget, args: string[], run: RunOptions = {}): ResticRun {
    const name = `ub-restic-${randomBytes(6).toString('hex')}`;
    const mounts = [
      { host: this.options.passwordFile, container: PASSWORD_IN_CONTAINER, readOnly: true },
      { host: this.options.cacheDir, container: CACHE_IN_CONTAINER },
      ...target.mounts,
      ...(run.mounts ?? []),
    ];
    const dockerArgs = [
      'run',
      '--rm',
      '--name',
      name,
      '--network',
      'host',
      '--label',
      'ultrabase.backups=restic',
      ...(this.options.owner ? ['--label', `ultrabase.backups.owner=${this.options.owner}`] : []),
      ...(run.stdin ? ['-i'] : []),
      '-e',
      `RESTIC_PASSWORD_FILE=${PASSWORD_IN_CONTAINER}`,
      ...(target.envFile ? ['--env-file', target.envFile] : []),
      ...mounts.flatMap((m) => ['-v', `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`]),
      this.options.image,
      '--cache-dir',
      CACHE_IN_CONTAINER,
      '-r',
      target.repository,
      ...target.options.flatMap((o) => ['-o', o]),
      ...args,
    ];
    const child = spawn(this.options.docker ?? 'docker', dockerArgs, {
      stdio: [run.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const collect = run.collect !== false;
    if (collect || run.onJson) {
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        if (collect) stdout += chunk;
        if (!run.onJson) return;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.startsWith('{')) continue;
          try {
            run.onJson(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // restic's human lines between JSON ones are not ours to parse.
          }
        }
      });
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-64_000);
    });
    const what = args[0] ?? 'run';
    const done = new Promise<string>((resolve, reject) => {
      child.on('error', (error) => reject(resticError(what, String(error), null)));
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else reject(resticError(what, stderr, code));
      });
    });
    done.catch(() => undefined);
    return {
      child,
      done,
      abort: () => {
        child.kill('SIGTERM');
        spawn(this.options.docker ?? 'docker', ['rm', '-f', name], { stdio: 'ignore' }).on(
          'error',
          () => undefined,
        );
      },
    };
  }

  /** Runs one command to the end and returns its stdout. */
  run(target: ResticTarget, args: string[], run: RunOptions = {}): Promise<string> {
    return this.start(target, args, run).done;
  }

  /** Opens the repository, creating it on first use; wrong password or damage throw coded. */
  async ensureRepository(target: ResticTarget): Promise<{ created: boolean }> {
    try {
      await this.run(target, ['cat', 'config']);
      return { created: false };
    } catch (error) {
      const restic = (error as { data?: { restic?: string } }).data?.restic ?? '';
      if (!isMissingRepository(restic)) throw error;
    }
    await this.run(target, ['init']);
    return { created: true };
  }

  /** Streams `restic dump <snapshot> <file>` to the caller. */
  dump(target: ResticTarget, snapshot: string, file: string): { stream: Readable; run: ResticRun } {
    const run = this.start(target, ['dump', snapshot, file], { collect: false });
    const stream = run.child.stdout;
    if (!stream) throw new Error('restic dump has no stdout');
    return { stream, run };
  }
}
