// `npm start`: build everything, then open the desktop app in Electron. When Electron cannot
// start here (its binary was never downloaded, or there is no display), say so and point to the
// command line, which needs neither.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { electronBinary } from './lib/electron-binary.mjs';
import { step } from './lib/step.mjs';

const WITHOUT_ELECTRON =
  'Everything the app does also works from a terminal with the `ultrabase` command:\n' +
  'see "Quick start without a desktop" in README.md.';

/**
 * The Electron package fetches its binary on first use. Do that here, where a failure can be
 * explained, rather than inside `electron .` (which died with a bare "fetch failed").
 */
function downloadElectron() {
  console.log('npm start: downloading the Electron binary once (about 100 MB)…');
  const installer = createRequire(import.meta.url).resolve('electron/install.js');
  const r = spawnSync(process.execPath, [installer], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const path = electronBinary();
  if (path) return { path };
  const why = (r.stderr ?? '').split('\n').find((line) => /error|failed/i.test(line));
  return { failure: why?.trim() || r.error?.message || `exit ${r.status}` };
}

const problems = [];
const noDisplay =
  process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
if (noDisplay) problems.push('there is no display: neither DISPLAY nor WAYLAND_DISPLAY is set.');
// Without a display there is no point in downloading the binary first.
const installed = electronBinary();
const { path: electron, failure } =
  installed || noDisplay ? { path: installed } : downloadElectron();
if (!electron) {
  problems.push(
    `the Electron binary is not installed${failure ? ` (its download failed: ${failure})` : ''}.\n` +
      '    Get it:  npx install-electron   (from github.com; ELECTRON_MIRROR sets a mirror)\n' +
      '    or use one you have:  ELECTRON_OVERRIDE_DIST_PATH=<its directory> npm start',
  );
}
if (problems.length > 0) {
  console.error(
    'npm start: the desktop app cannot open here:\n' +
      problems.map((p) => `  - ${p}\n`).join('') +
      WITHOUT_ELECTRON,
  );
  process.exit(1);
}

step('build', 'npm', ['run', '--silent', 'build']);
const child = spawn(electron, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
