// The bench harness and its probes run as CommonJS bundles, built like the CLI: ssh2's named
// exports (`utils`) do not load when the core is imported as ES modules under tsx, and native
// modules stay outside the bundle and load from node_modules.
import { build } from 'esbuild';
import { NATIVE_EXTERNALS } from './bundles.mjs';

/** Bundles `test/bench/<name>.ts` to `.cache/bench/<name>.cjs` and returns that path. */
export async function buildHarness(name) {
  const outfile = `.cache/bench/${name}.cjs`;
  await build({
    entryPoints: [`test/bench/${name}.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: [...NATIVE_EXTERNALS, 'prettier'],
    logLevel: 'warning',
  });
  return outfile;
}
