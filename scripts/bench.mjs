// `npm run bench`: the benchmarks of DESIGN.md §7, side by side with the usual SSH way, in one
// run. Steps: provision the rig (root only; idempotent), build everything (the agent bundle the
// core uploads, the renderer the Chromium rows load), then test/bench/main.ts under a private
// D-Bus session with an unlocked gnome-keyring, so the core keeps its secrets in a real keychain.
// The harness runs as a CommonJS bundle, built like the CLI: ssh2's named exports
// (`utils`) do not load when the core is imported as ES modules under tsx.
//   npm run bench [-- --quick] [--no-renderer] [--no-build] [--out FILE]
// Writes docs/benchmarks.md (not with --quick unless --out is given). Needs root.
import { existsSync } from 'node:fs';
import { buildHarness } from './lib/harness-bundle.mjs';
import { step } from './lib/step.mjs';

const args = process.argv.slice(2).filter((a) => a !== '--no-build');
// --no-build: reuse dist/ as it is (reruns while working on the harness itself).
const rebuild = !process.argv.includes('--no-build');

if (process.getuid?.() !== 0) {
  console.error('bench: needs root (the rig puts sshd in network namespaces)');
  process.exit(1);
}
step('provision the test rig', 'bash', ['test/rig/provision']);
if (rebuild) step('build', 'npm', ['run', '--silent', 'build']);
// The backups rows run a PostgreSQL stand-in and the restic stand-in (built once, then reused).
step('stand-in images', 'npx', ['tsx', 'test/rig/images.ts']);
const bundle = await buildHarness('main');
const bench = [process.execPath, bundle, ...args];
if (existsSync('/usr/bin/dbus-run-session')) {
  step('benchmarks', 'dbus-run-session', ['--', 'bash', 'test/rig/with-keyring', ...bench]);
} else {
  step('benchmarks (no D-Bus: secrets kept in memory)', bench[0], bench.slice(1));
}
