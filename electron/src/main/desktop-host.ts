import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createDesktop } from '../core/desktop';
import type { DesktopApi } from '../contract/api';

/** The one file of the shell that knows how the core is constructed. */
export type Desktop = DesktopApi & { close(): Promise<void> };

export interface ShellPaths {
  /** Settings directory (electron-store files live here; secrets do not: they are in the keychain). */
  home: string;
  /** Packaged: process.resourcesPath. Unpackaged (npm start): the repository's dist/. */
  resourcesDir: string;
}

/**
 * Where packaging puts what the core uploads to servers (electron-builder.yml extraResources;
 * unpackaged, the same layout under dist/): `agent/agent.cjs`, and
 * `node-runtime/linux-x64/node` for servers without Node ≥ 18 (scripts/node-runtime.mjs).
 * x64 only for now: the core reads the runtime's version and arch by running it locally.
 */
export function resourcePaths(resourcesDir: string): {
  agentBundlePath: string;
  nodeRuntimePath: string | undefined;
} {
  const runtime = join(resourcesDir, 'node-runtime', 'linux-x64', 'node');
  return {
    agentBundlePath: join(resourcesDir, 'agent', 'agent.cjs'),
    nodeRuntimePath: existsSync(runtime) ? runtime : undefined,
  };
}

export function startDesktop(paths: ShellPaths): Desktop {
  const { agentBundlePath, nodeRuntimePath } = resourcePaths(paths.resourcesDir);
  return createDesktop({
    home: paths.home,
    agentBundlePath,
    ...(nodeRuntimePath === undefined ? {} : { nodeRuntimePath }),
  });
}
