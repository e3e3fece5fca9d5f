// Where the Electron executable is, found the way node_modules/electron/index.js finds it but
// without its fallback: that one starts a download when the binary is missing, and on a machine
// where the download is blocked `npm start` died with "fetch failed" deep in @electron/get.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The executable's path, or undefined when it is not installed. */
export function electronBinary(env = process.env) {
  const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const executable = env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron')
    : relative && join(packageDir, 'dist', relative);
  return executable && existsSync(executable) ? executable : undefined;
}
