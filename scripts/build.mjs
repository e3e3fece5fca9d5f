// Builds the Node-side artifacts with esbuild. The renderer is built by Vite (npm run build:renderer).
//   node scripts/build.mjs agent|cli|electron|all
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { TARGETS, bundleOptions } from './lib/bundles.mjs';

async function buildOne(target) {
  const options = bundleOptions(target);
  await build(options);
  const size = statSync(options.outfile).size;
  console.log(`built ${options.outfile} (${(size / 1024).toFixed(1)} KiB)`);
}

const which = process.argv[2] ?? 'all';
const names = which === 'all' ? Object.keys(TARGETS) : [which];
for (const name of names) {
  const targets = TARGETS[name];
  if (!targets) {
    console.error(`unknown build target: ${name} (agent, cli, electron, all)`);
    process.exit(2);
  }
  for (const target of targets) await buildOne(target);
}
