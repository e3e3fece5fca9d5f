// `npm test`: every tier, as CI runs it. Steps: provision the rig (root only), lint, typecheck,
// build, stand-in images, then vitest under a private D-Bus session with an unlocked
// gnome-keyring so keytar talks to a real Secret Service.
//   node scripts/test.mjs [--only unit|integration|e2e] [vitest file filters...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { parallelSteps, step } from './lib/step.mjs';

const args = process.argv.slice(2);
let only;
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only = args[++i];
  else filters.push(args[i]);
}
const isRoot = process.getuid?.() === 0;
const quick = only === 'unit';

if (!quick && isRoot) step('provision the test rig', 'bash', ['test/rig/provision']);
// The static checks do not depend on each other: side by side they take the longest one's time.
if (!only) {
  await parallelSteps([
    ['lint', 'npx', ['eslint', '.']],
    ['format', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']],
    ['typecheck', 'npx', ['tsc', '-b']],
  ]);
}
if (!quick) {
  step('build', 'npm', ['run', '--silent', 'build']);
  step('stand-in images', 'npx', ['tsx', 'test/rig/images.ts']);
}

mkdirSync('.cache', { recursive: true });
const inKeyring = !quick && existsSync('/usr/bin/dbus-run-session');

// One vitest run per tier, one after the other: vitest runs the files of different projects at
// the same time, and the slow tiers share Docker, the rig's mount points and two cores (an e2e
// host that shows its folders to Docker at the real /opt/ultrabase broke a concurrent
// integration bootstrap).
function runTier(project) {
  const report = `.cache/vitest-${project}.json`;
  rmSync(report, { force: true });
  const vitestArgs = [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...filters,
  ];
  // A file filter picks files of one tier; the other tiers then have nothing to run.
  if (filters.length > 0) vitestArgs.push('--passWithNoTests');
  process.stdout.write(`\n== tests: ${project}\n`);
  const [cmd, cmdArgs] = inKeyring
    ? ['dbus-run-session', ['--', 'bash', 'test/rig/with-keyring', 'npx', ...vitestArgs]]
    : ['npx', vitestArgs];
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  const status = r.status ?? 1;
  const json = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined;
  const counts = {
    passed: json?.numPassedTests ?? 0,
    failed: json?.numFailedTests ?? 0,
    skipped: (json?.numPendingTests ?? 0) + (json?.numTodoTests ?? 0),
  };
  // A file that failed to load fails no test of its own: still count it, so the closing line
  // never says "0 failed" for a red run.
  if (status !== 0 && counts.failed === 0)
    counts.failed = Math.max(1, json?.numFailedTestSuites ?? 0);
  return { status, ...counts };
}

const started = Date.now();
const tiers = only ? [only] : ['unit', 'integration', 'e2e'];
const results = tiers.map(runTier);
const sum = (key) => results.reduce((n, r) => n + r[key], 0);
const status = results.find((r) => r.status !== 0)?.status ?? 0;

// The closing line in the plain "N passed, N failed" form that any CI reader understands.
console.log(`\ntests finished in ${((Date.now() - started) / 1000).toFixed(0)}s`);
console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exit(status);
