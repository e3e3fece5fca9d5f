import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { UltrabaseError } from '@contract/errors';
import type { LocalAgent } from './plan';
import { runNode, type NodeSpawner } from './node-spawner';

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Runs a real Node binary (the shipped runtime) directly: no environment switch needed. */
function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 20_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
}

async function bundleVersion(node: NodeSpawner, bundlePath: string): Promise<string> {
  const r = await runNode(node, [bundlePath, 'version'], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(r.output.trim() || `exit ${String(r.code)}`);
  return r.stdout;
}

/** Version and checksum of the bundle the app carries (and of its Node runtime, if any). */
export async function describeLocalAgent(options: {
  bundlePath: string;
  /** Runs the bundle to read its version (never the app binary as Node). */
  node: NodeSpawner;
  runtimePath?: string;
}): Promise<LocalAgent & { bundlePath: string; bundle: Buffer; protocol: number }> {
  let info: { version: string; protocol: number };
  try {
    info = JSON.parse(await bundleVersion(options.node, options.bundlePath)) as typeof info;
  } catch (err) {
    throw new UltrabaseError(
      'BOOTSTRAP_FAILED',
      `The agent bundle ${options.bundlePath} is missing or broken (${(err as Error).message.split('\n')[0]}). Rebuild it with npm run build:agent.`,
    );
  }
  // The bytes are kept: a rebuild of the file on disk while we run must not make the upload
  // differ from the checksum and version we announced.
  const bundle = await readFile(options.bundlePath);
  const result: LocalAgent & { bundlePath: string; bundle: Buffer; protocol: number } = {
    bundlePath: options.bundlePath,
    bundle,
    version: info.version,
    protocol: info.protocol,
    sha256: createHash('sha256').update(bundle).digest('hex'),
  };
  if (options.runtimePath) {
    const version = (await run(options.runtimePath, ['-v'])).trim();
    const arch = (await run(options.runtimePath, ['-p', 'process.arch'])).trim();
    result.runtime = { path: options.runtimePath, version, arch };
  }
  return result;
}
