import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UltrabaseError } from '@contract/errors';

/**
 * How the core runs a Node program on this machine (the local agent, the bundle's version
 * probe). Injected, so the core never assumes it runs under plain Node: inside Electron,
 * `process.execPath` is the app binary, and making it act as Node needs ELECTRON_RUN_AS_NODE,
 * which the packaged app's fuses switch off (anyone could otherwise run the signed binary as a
 * Node interpreter and read what the keychain trusts it with).
 */
export interface NodeSpawner {
  /** What runs the programs, for error messages ("/usr/bin/node"). */
  readonly description: string;
  spawn(args: readonly string[]): ChildProcessWithoutNullStreams;
}

/** Runs programs with a real Node binary: the CLI's own, the shipped runtime, or a system one. */
export function nodeBinarySpawner(nodePath: string): NodeSpawner {
  return {
    description: nodePath,
    spawn(args) {
      const env = { ...process.env };
      // A real node ignores it, but a stray one inherited from a parent must not leak on.
      delete env.ELECTRON_RUN_AS_NODE;
      return spawn(nodePath, [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    },
  };
}

/** Runs a program to completion: its exit code and its output (stdout and stderr, in order). */
export function runNode(
  node: NodeSpawner,
  args: readonly string[],
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = node.spawn(args);
    const out: Buffer[] = [];
    const all: Buffer[] = [];
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      all.push(d);
    });
    child.stderr.on('data', (d: Buffer) => all.push(d));
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        output: Buffer.concat(all).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

/** A spawner for when no Node is available: using it fails with a message saying what to do. */
export function unavailableNodeSpawner(reason: string): NodeSpawner {
  return {
    description: 'no Node runtime',
    spawn() {
      throw new UltrabaseError('BOOTSTRAP_FAILED', reason);
    },
  };
}

/** The first executable `node` on a PATH-like list, if any (no shell, no `which`). */
export function findNodeOnPath(pathList: string | undefined): string | undefined {
  for (const dir of (pathList ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'node.exe' : 'node');
    try {
      const stat = statSync(candidate);
      if (stat.isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}
