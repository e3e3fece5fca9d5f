// Builds and runs test/bench/log-probe.ts (issue 21: where a log flood spends its time). Needs
// root and the rig; run it under the rig lock:
//   flock /tmp/ultrabase-rig.lock node scripts/log-probe.mjs [--runs 3] [--lines 100000] [--profile]
import { buildHarness } from './lib/harness-bundle.mjs';
import { step } from './lib/step.mjs';

step('build the agent', 'node', ['scripts/build.mjs', 'agent']);
const bundle = await buildHarness('log-probe');
step('probe', process.execPath, [bundle, ...process.argv.slice(2)]);
