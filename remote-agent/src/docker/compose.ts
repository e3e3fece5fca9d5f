import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ErrorCode } from '@protocol/error-codes';
import { DockerError } from './docker-error';

/** Runs a program with an argument array (never a shell) and collects its output. */
export type CommandRunner = (
  file: string,
  args: string[],
  opts: { timeoutMs: number; cwd?: string },
) => Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }>;

export const runCommand: CommandRunner = (file, args, { timeoutMs, cwd }) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, cwd, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGTERM' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1;
        resolve({ code, stdout, stderr, timedOut: Boolean(e?.killed) });
      },
    );
  });

export interface ComposeVersion {
  /** argv prefix: ['docker', 'compose'] (v2) or ['docker-compose'] (v1). */
  command: string[];
  version: string;
}

/**
 * Compose v2 (`docker compose`) where installed, else v1 (`docker-compose`). Both accept the
 * same flags for what we run. Detected once per agent: the probe costs ~0.5 s with v1.
 */
export async function detectCompose(run: CommandRunner = runCommand): Promise<ComposeVersion> {
  const v2 = await run('docker', ['compose', 'version', '--short'], { timeoutMs: 15_000 });
  if (v2.code === 0 && v2.stdout.trim()) {
    return { command: ['docker', 'compose'], version: v2.stdout.trim().replace(/^v/, '') };
  }
  const v1 = await run('docker-compose', ['version', '--short'], { timeoutMs: 15_000 });
  if (v1.code === 0 && v1.stdout.trim()) {
    return { command: ['docker-compose'], version: v1.stdout.trim() };
  }
  throw new DockerError(
    ErrorCode.COMPOSE_UNAVAILABLE,
    'Neither "docker compose" (v2) nor "docker-compose" (v1) works on this server. ' +
      'Install the Docker Compose plugin (apt install docker-compose-plugin) and try again.',
  );
}

export type ComposeAction = 'up' | 'down' | 'stop' | 'start' | 'restart' | 'config';

export interface ComposeProject {
  /** `ub_<id>` */
  name: string;
  /** Directory holding docker-compose.yml and .env. */
  dir: string;
}

export interface Compose {
  readonly version: string;
  run(
    project: ComposeProject,
    action: ComposeAction,
    opts?: { timeoutMs?: number; extra?: string[] },
  ): Promise<string>;
}

const ACTION_ARGS: Record<ComposeAction, string[]> = {
  // --no-build and --remove-orphans: we never build on a VPS, and a renamed service must not
  // leave its old container behind.
  up: ['up', '-d', '--no-color', '--no-build', '--remove-orphans'],
  down: ['down', '-v', '--remove-orphans'],
  stop: ['stop'],
  start: ['start'],
  restart: ['restart'],
  config: ['config'],
};

const FAILURE_CODE: Record<ComposeAction, ErrorCode> = {
  up: ErrorCode.START_FAILED,
  start: ErrorCode.START_FAILED,
  restart: ErrorCode.START_FAILED,
  stop: ErrorCode.INTERNAL,
  down: ErrorCode.INTERNAL,
  config: ErrorCode.INTERNAL,
};

/** The last lines of compose's stderr: where it says what went wrong. */
export function tailText(text: string, lines = 12): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export function createCompose(detected: ComposeVersion, run: CommandRunner = runCommand): Compose {
  const [file, ...prefix] = detected.command;
  if (!file) throw new Error('empty compose command');
  return {
    version: detected.version,
    async run(project, action, opts = {}) {
      const args = [
        ...prefix,
        '-p',
        project.name,
        '-f',
        join(project.dir, 'docker-compose.yml'),
        '--project-directory',
        project.dir,
        ...ACTION_ARGS[action],
        ...(opts.extra ?? []),
      ];
      const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
      const r = await run(file, args, { timeoutMs, cwd: project.dir });
      if (r.timedOut) {
        throw new DockerError(
          ErrorCode.TIMEOUT,
          `"compose ${action}" for ${project.name} did not finish within ${Math.round(timeoutMs / 1000)} s.`,
          { action, project: project.name },
        );
      }
      if (r.code !== 0) {
        throw new DockerError(
          FAILURE_CODE[action],
          `"compose ${action}" for ${project.name} failed: ${tailText(r.stderr) || `exit ${r.code}`}`,
          { action, project: project.name, exitCode: r.code },
        );
      }
      return r.stdout;
    },
  };
}
