// Builds the Node-side artifacts with esbuild. The renderer is built by Vite (npm run build:renderer).
//   node scripts/build.mjs agent|cli|electron|all
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const define = { __ULTRABASE_VERSION__: JSON.stringify(pkg.version) };

const targets = {
  // The agent runs on the VPS under Node >= 18 with nothing beside it: one file, no native code.
  agent: {
    entryPoints: ['remote-agent/src/main.ts'],
    outfile: 'dist/agent/agent.cjs',
    target: 'node18',
    external: [],
    minify: true,
  },
  cli: {
    entryPoints: ['electron/src/cli/main.ts'],
    outfile: 'dist/cli/ultrabase.cjs',
    target: 'node20',
    // Native modules stay outside the bundle and load from node_modules.
    external: ['keytar', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
    banner: { js: '#!/usr/bin/env node' },
  },
  electron: [
    {
      entryPoints: ['electron/src/main/main.ts'],
      outfile: 'dist/electron/main.cjs',
      target: 'node22',
      external: ['electron', 'keytar', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
    },
    {
      entryPoints: ['electron/src/preload/preload.ts'],
      outfile: 'dist/electron/preload.cjs',
      target: 'node22',
      external: ['electron'],
    },
  ],
};

async function buildOne(options) {
  await build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    define,
    ...options,
  });
  const size = statSync(options.outfile).size;
  console.log(`built ${options.outfile} (${(size / 1024).toFixed(1)} KiB)`);
}

const which = process.argv[2] ?? 'all';
const names = which === 'all' ? Object.keys(targets) : [which];
for (const name of names) {
  const target = targets[name];
  if (!target) {
    console.error(`unknown build target: ${name} (agent, cli, electron, all)`);
    process.exit(2);
  }
  for (const options of [target].flat()) await buildOne(options);
}
