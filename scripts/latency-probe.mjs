// Builds and runs test/bench/latency-probe.ts (issue 21: where the round trip and the status
// change spend their time). Needs root and the rig; run it under the rig lock:
//   flock /tmp/ultrabase-rig.lock node scripts/latency-probe.mjs [--profile] [--status 20]
import { buildHarness } from './lib/harness-bundle.mjs';
import { step } from './lib/step.mjs';

step('build the agent', 'node', ['scripts/build.mjs', 'agent']);
const bundle = await buildHarness('latency-probe');
step('probe', process.execPath, [bundle, ...process.argv.slice(2)]);
