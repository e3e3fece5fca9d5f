// The Node-side bundles (esbuild), shared by `npm run build` (scripts/build.mjs), `npm run dev`
// (scripts/dev.mjs) and the benchmark harness (scripts/bench.mjs). Path aliases (@protocol/…)
// resolve from tsconfig.json, which esbuild reads on its own.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

/**
 * Native modules of the desktop side stay outside the bundles and load from node_modules:
 * keytar, ssh2's optional cpu-features and its compiled crypto binding.
 */
export const NATIVE_EXTERNALS = ['keytar', 'cpu-features', './crypto/build/Release/sshcrypto.node'];

export const TARGETS = {
  // The agent runs on the VPS under Node >= 18 with nothing beside it: one file, no native code.
  agent: [
    {
      entryPoints: ['remote-agent/src/main.ts'],
      outfile: 'dist/agent/agent.cjs',
      target: 'node18',
      external: [],
      minify: true,
    },
  ],
  cli: [
    {
      entryPoints: ['electron/src/cli/main.ts'],
      outfile: 'dist/cli/ultrabase.cjs',
      target: 'node20',
      external: NATIVE_EXTERNALS,
      banner: { js: '#!/usr/bin/env node' },
    },
  ],
  electron: [
    {
      entryPoints: ['electron/src/main/main.ts'],
      outfile: 'dist/electron/main.cjs',
      target: 'node22',
      external: ['electron', ...NATIVE_EXTERNALS],
    },
    {
      entryPoints: ['electron/src/preload/preload.ts'],
      outfile: 'dist/electron/preload.cjs',
      target: 'node22',
      external: ['electron'],
      sandboxed: true,
    },
  ],
};

/**
 * Dev builds turn source maps on for themselves: Node only reads the maps of files loaded after
 * `setSourceMapsEnabled(true)`, and neither the agent's `node` on a server nor Electron runs with
 * --enable-source-maps, so the bundle enables them and loads itself once more (a CommonJS file's
 * top-level `return` ends the first pass). "use strict" comes first, or esbuild's own directive
 * after the banner would no longer count.
 */
const ENABLE_SOURCE_MAPS = [
  '"use strict";',
  'if (!globalThis.__ultrabaseSourceMaps && process.setSourceMapsEnabled) {',
  '  globalThis.__ultrabaseSourceMaps = true;',
  '  process.setSourceMapsEnabled(true);',
  '  delete require.cache[__filename];',
  '  module.exports = require(__filename);',
  '  return;',
  '}',
].join('\n');

/**
 * esbuild options for one bundle. `dev`: unminified, with an inline source map (the agent is
 * uploaded as one file, so its map travels inside it). A `sandboxed` bundle (the preload) has no
 * `require.cache` to reload itself through; Chromium's devtools read its inline map anyway.
 */
export function bundleOptions({ sandboxed = false, ...target }, { dev = false } = {}) {
  const options = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    define: { __ULTRABASE_VERSION__: JSON.stringify(pkg.version) },
    ...target,
  };
  if (!dev) return options;
  const devOptions = { ...options, minify: false, sourcemap: 'inline' };
  if (sandboxed) return devOptions;
  const banner = [target.banner?.js, ENABLE_SOURCE_MAPS].filter(Boolean).join('\n');
  return { ...devOptions, banner: { js: banner } };
}
