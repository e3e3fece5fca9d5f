// `npm start`: build everything, then open the desktop app in Electron. When Electron cannot
// start here (its binary was never downloaded, or there is no display), say so and point to the
// command line, which needs neither.
import { spawn } from 'node:child_process';
import { electronBinary } from './lib/electron-binary.mjs';
import { step } from './lib/step.mjs';

const WITHOUT_ELECTRON =
  'Everything the app does also works from a terminal with the `ultrabase` command:\n' +
  'see "Quick start without a desktop" in README.md.';

const electron = electronBinary();
if (!electron) {
  console.error(
    'npm start: the Electron binary is not installed, so the desktop app cannot open.\n' +
      'Its download (during `npm ci`) failed or was blocked. To get it:\n' +
      '  npx install-electron                       (downloads from github.com; ELECTRON_MIRROR for a mirror)\n' +
      '  ELECTRON_OVERRIDE_DIST_PATH=<dir> npm start (use an Electron you already have)\n' +
      WITHOUT_ELECTRON,
  );
  process.exit(1);
}
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.error(
    'npm start: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the desktop app\n' +
      'cannot open a window here.\n' +
      WITHOUT_ELECTRON,
  );
  process.exit(1);
}

step('build', 'npm', ['run', '--silent', 'build']);
const child = spawn(electron, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
