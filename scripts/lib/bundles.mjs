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
    },
  ],
};

/**
 * esbuild options for one bundle. `dev`: unminified, with an inline source map (the agent is
 * uploaded as one file, so its map travels inside it) that the program turns on itself at its
 * first line, since neither the agent's `node` nor Electron runs with --enable-source-maps.
 */
export function bundleOptions(target, { dev = false } = {}) {
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
  const enableMaps = 'process.setSourceMapsEnabled?.(true);';
  const banner = target.banner?.js ? `${target.banner.js}\n${enableMaps}` : enableMaps;
  return { ...options, minify: false, sourcemap: 'inline', banner: { js: banner } };
}
