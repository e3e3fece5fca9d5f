// electron-builder hook (electron-builder.yml beforePack): the Node runtime for servers is not
// part of `npm run build` (it is ~100 MB and only packaging needs it), so it is put in place
// here, right before each target is packed.
import { fileURLToPath } from 'node:url';
import { prepareNodeRuntime } from './node-runtime.mjs';

export default async function beforePack() {
  const target = prepareNodeRuntime(
    fileURLToPath(new URL('../dist/node-runtime', import.meta.url)),
  );
  console.log(`  • node runtime for servers  file=${target}`);
}
