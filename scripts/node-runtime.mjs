// Puts the Node runtime the app uploads to servers without Node >= 18 into
// dist/node-runtime/linux-x64/node (electron-builder ships it as an extra resource; the
// desktop core passes it to the bootstrap). Source, first found:
//   1. ULTRABASE_NODE_RUNTIME: path to a Linux x64 `node` binary (e.g. bin/node from the
//      official node-v20.x-linux-x64 tarball, which needs only glibc >= 2.28);
//   2. this machine's own node, when this machine is Linux x64.
// A Mac or Windows build machine must set ULTRABASE_NODE_RUNTIME.
//   node scripts/node-runtime.mjs [--out DIR]
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readSync,
  closeSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_MAJOR = 18;
const ELF_MACHINE_X86_64 = 0x3e;

/** Reads the ELF header: a Linux x86-64 executable, whatever OS runs this script. */
export function isLinuxX64Executable(file) {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  return (
    header.readUInt32BE(0) === 0x7f454c46 && // \x7fELF
    header[4] === 2 && // 64-bit
    header[5] === 1 && // little endian
    header.readUInt16LE(18) === ELF_MACHINE_X86_64
  );
}

export function prepareNodeRuntime(outDir, env = process.env) {
  const fromEnv = env.ULTRABASE_NODE_RUNTIME;
  const local = process.platform === 'linux' && process.arch === 'x64';
  if (!fromEnv && !local) {
    throw new Error(
      'Set ULTRABASE_NODE_RUNTIME to a Linux x64 node binary (official tarball, bin/node): ' +
        'servers without Node >= 18 get this runtime, and this machine is not Linux x64.',
    );
  }
  const source = fromEnv || process.execPath;
  if (!statSync(source).isFile() || !isLinuxX64Executable(source)) {
    throw new Error(`${source} is not a Linux x64 executable`);
  }
  if (process.platform === 'linux' && process.arch === 'x64') {
    const version = execFileSync(source, ['-p', 'process.versions.node'], {
      encoding: 'utf8',
    }).trim();
    const major = Number(version.split('.')[0]);
    if (!(major >= MIN_MAJOR))
      throw new Error(`${source} is Node ${version}; need >= ${MIN_MAJOR}`);
  }
  const target = join(outDir, 'linux-x64', 'node');
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  chmodSync(target, 0o755);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir =
    at > 0 && process.argv[at + 1]
      ? process.argv[at + 1]
      : fileURLToPath(new URL('../dist/node-runtime', import.meta.url));
  try {
    const target = prepareNodeRuntime(outDir);
    console.log(
      `node runtime for servers: ${target} (${(statSync(target).size / 2 ** 20).toFixed(0)} MiB)`,
    );
  } catch (error) {
    console.error(`node-runtime: ${error.message}`);
    process.exit(1);
  }
}
