// DEV ONLY: serves the built renderer with the preview fixture instead of the real core, to look
// at every screen without servers:  npx tsx test/harness/preview.ts [port-agnostic; prints URL]
// Then open e.g. <url>?projects=40&lines=5000&theme=light. Never used by the e2e tests.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { DesktopApi } from '@contract/api';
import { startHarness, type Harness } from './server';

/** `root`: another built renderer (e.g. a before/after comparison); default dist/renderer. */
export async function startPreview(root?: string): Promise<Harness> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./preview-fixture.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
  });
  const source = out.outputFiles[0]!.text;
  // The fixture defines window.ultrabase itself; the bridge is not served.
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('preview')) });
  return startHarness({
    api: unused as DesktopApi,
    pageScript: { path: '/harness-preview.js', source },
    ...(root ? { root } : {}),
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const harness = await startPreview();
  console.log(`preview (fixture data, not the real core): ${harness.url}`);
}
