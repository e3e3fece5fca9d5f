// Builds and runs test/bench/log-probe.ts (issue 21: where a log flood spends its time). Needs
// root and the rig; run it under the rig lock:
//   flock /tmp/ultrabase-rig.lock node scripts/log-probe.mjs [--runs 3] [--lines 100000] [--profile]
import { build } from 'esbuild';
import { NATIVE_EXTERNALS } from './lib/bundles.mjs';
import { step } from './lib/step.mjs';

step('build the agent', 'node', ['scripts/build.mjs', 'agent']);
const bundle = '.cache/bench/log-probe.cjs';
await build({
  entryPoints: ['test/bench/log-probe.ts'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: [...NATIVE_EXTERNALS, 'prettier'],
  logLevel: 'warning',
});
step('probe', process.execPath, [bundle, ...process.argv.slice(2)]);
