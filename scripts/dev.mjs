// `npm run dev`: rebuild on every save, with source maps.
//   - the agent, the CLI and Electron's main and preload: esbuild in watch mode, unminified, with
//     inline source maps the programs turn on themselves (scripts/lib/bundles.mjs), into dist/
//     as `npm run build` lays it out, so `node dist/cli/ultrabase.cjs …` and `electron .` run the
//     fresh code (the core uploads the fresh agent on the next connect: its bundle hash changed);
//   - the renderer: Vite's dev server with hot reload, showing the preview fixture's invented
//     data (test/harness/preview-fixture.ts) in place of the core, for work on screens in a
//     browser. `--renderer-build` instead rebuilds dist/renderer on each save, for Electron.
//   npm run dev [-- --renderer-build] [--no-renderer]
import { context } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { build as viteBuild, createServer } from 'vite';
import { TARGETS, bundleOptions } from './lib/bundles.mjs';

const args = new Set(process.argv.slice(2));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RENDERER_CONFIG = `${ROOT}renderer/vite.config.ts`;
const FIXTURE = `${ROOT}test/harness/preview-fixture.ts`;

function time() {
  return new Date().toTimeString().slice(0, 8);
}

/** Reports each rebuild in one line; esbuild itself prints the errors. */
function announce(outfile) {
  return {
    name: 'announce',
    setup(build) {
      build.onEnd((result) => {
        const state = result.errors.length > 0 ? `FAILED (${result.errors.length} errors)` : 'ok';
        console.log(`${time()} ${outfile}: ${state}`);
      });
    },
  };
}

const contexts = [];
for (const target of Object.values(TARGETS).flat()) {
  const options = bundleOptions(target, { dev: true });
  const ctx = await context({ ...options, plugins: [announce(options.outfile)] });
  await ctx.watch();
  contexts.push(ctx);
}

/**
 * Dev server only: the page gets the preview fixture as `window.ultrabase` (it must run before
 * the app's module script), and its CSP lets through the inline scripts Vite and React's hot
 * reload add. The production page and its CSP are untouched.
 */
const previewInDev = {
  name: 'ultrabase-preview-in-dev',
  apply: 'serve',
  transformIndexHtml(html) {
    return html
      .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
      .replace(
        '<script type="module" src="/src/main.tsx">',
        `<script type="module" src="/@fs${FIXTURE}"></script>\n    $&`,
      );
  },
};

let server;
if (args.has('--renderer-build')) {
  // Resolves at once in watch mode; the watcher keeps rebuilding dist/renderer.
  await viteBuild({ configFile: RENDERER_CONFIG, build: { watch: {} } });
} else if (!args.has('--no-renderer')) {
  server = await createServer({
    configFile: RENDERER_CONFIG,
    plugins: [previewInDev],
    server: { host: '127.0.0.1', fs: { allow: [ROOT] } },
  });
  await server.listen();
  console.log(`renderer (preview data, not the real core): ${server.resolvedUrls.local[0]}`);
}

console.log('watching; Ctrl+C to stop');
async function stop() {
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  await server?.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
