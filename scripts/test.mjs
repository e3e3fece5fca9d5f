// `npm test`: every tier, as CI runs it. Steps: provision the rig (root only), lint, typecheck,
// build, stand-in images, then vitest under a private D-Bus session with an unlocked
// gnome-keyring so keytar talks to a real Secret Service.
//   node scripts/test.mjs [--only unit|integration|e2e] [vitest file filters...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

const args = process.argv.slice(2);
let only;
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only = args[++i];
  else filters.push(args[i]);
}
const isRoot = process.getuid?.() === 0;
const quick = only === 'unit';

function step(title, cmd, cmdArgs, opts = {}) {
  const started = Date.now();
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', ...opts });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n== ${title} failed after ${secs}s (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  process.stdout.write(`== ${title}: ok (${secs}s)\n`);
}

if (!quick && isRoot) step('provision the test rig', 'bash', ['test/rig/provision']);
if (!only) {
  step('lint', 'npx', ['eslint', '.']);
  step('format', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']);
  step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
}
if (!quick) {
  step('build', 'npm', ['run', '--silent', 'build']);
  step('stand-in images', 'npx', ['tsx', 'test/rig/images.ts']);
}

mkdirSync('.cache', { recursive: true });
const report = '.cache/vitest-report.json';
rmSync(report, { force: true });
const vitestArgs = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
];
if (only) vitestArgs.push('--project', only);
vitestArgs.push(...filters);
const inKeyring = !quick && existsSync('/usr/bin/dbus-run-session');
const [cmd, cmdArgs] = inKeyring
  ? ['dbus-run-session', ['--', 'bash', 'test/rig/with-keyring', 'npx', ...vitestArgs]]
  : ['npx', vitestArgs];
const started = Date.now();
const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });

// The closing line in the plain "N passed, N failed" form that any CI reader understands.
let passed = 0;
let failed = 0;
let skipped = 0;
let json;
if (existsSync(report)) {
  json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
}
const status = r.status ?? 1;
// A file that failed to load fails no test of its own: still count it, so the line never says
// "0 failed" for a red run.
if (status !== 0 && failed === 0) failed = Math.max(1, json?.numFailedTestSuites ?? 0);
console.log(`\ntests finished in ${((Date.now() - started) / 1000).toFixed(0)}s`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status);
