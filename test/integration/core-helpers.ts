// Shared by test/integration/core-*.test.ts and cli-*.test.ts: builds, waiting, and the raw
// facts the tests check against (what is really on the host), never a mock of the core.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { VpsHost } from '../rig/hosts';

export const ROOT = path.resolve(__dirname, '../..');
export const BUNDLE = path.join(ROOT, 'dist/agent/agent.cjs');
export const CLI = path.join(ROOT, 'dist/cli/ultrabase.cjs');

export function build(target: 'agent' | 'cli'): void {
  execFileSync('node', ['scripts/build.mjs', target], { cwd: ROOT, stdio: 'pipe' });
}

export function bundleVersion(bundle = BUNDLE): string {
  return (JSON.parse(execFileSync('node', [bundle, 'version']).toString()) as { version: string })
    .version;
}

/** A copy of the agent bundle stamped with another version: what a newer app carries. */
export async function buildAgentVersion(version: string, outfile: string): Promise<void> {
  const { build: esbuild } = await import('esbuild');
  await esbuild({
    entryPoints: [path.join(ROOT, 'remote-agent/src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    minify: true,
    logLevel: 'warning',
    define: { __ULTRABASE_VERSION__: JSON.stringify(version) },
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The per-connection sshd processes (children of the listener): killing them drops clients. */
export function sshdSessions(host: VpsHost): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(host.sshdPid)])
      .toString()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function agentPid(host: VpsHost, nonRootHome?: string): number {
  const file = nonRootHome
    ? path.join(nonRootHome, '.ultrabase/run/agent.pid')
    : path.join(host.dirs.run, 'agent.pid');
  return Number(readFileSync(file, 'utf8').trim());
}
