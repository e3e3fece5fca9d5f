import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { UltrabaseError } from '../../contract/errors';
import type { LocalAgent } from './plan';

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      file,
      args,
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 20_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
}

/** Version and checksum of the bundle the app carries (and of its Node runtime, if any). */
export async function describeLocalAgent(options: {
  bundlePath: string;
  nodePath: string;
  runtimePath?: string;
}): Promise<LocalAgent & { bundlePath: string; bundle: Buffer; protocol: number }> {
  let info: { version: string; protocol: number };
  try {
    info = JSON.parse(await run(options.nodePath, [options.bundlePath, 'version'])) as typeof info;
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
