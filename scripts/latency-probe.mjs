// Builds and runs test/bench/latency-probe.ts (issue 21: where the round trip and the status
// change spend their time). Needs root and the rig; run it under the rig lock:
//   flock /tmp/ultrabase-rig.lock node scripts/latency-probe.mjs [--profile] [--status 20]
import { build } from 'esbuild';
import { NATIVE_EXTERNALS } from './lib/bundles.mjs';
import { step } from './lib/step.mjs';

step('build the agent', 'node', ['scripts/build.mjs', 'agent']);
const bundle = '.cache/bench/latency-probe.cjs';
await build({
  entryPoints: ['test/bench/latency-probe.ts'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: [...NATIVE_EXTERNALS, 'prettier'],
  logLevel: 'warning',
});
step('probe', process.execPath, [bundle, ...process.argv.slice(2)]);
