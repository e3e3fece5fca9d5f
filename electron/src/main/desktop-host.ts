import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createDesktop, type Desktop } from '../core/desktop';
import {
  findNodeOnPath,
  nodeBinarySpawner,
  unavailableNodeSpawner,
  type NodeSpawner,
} from '../core/bootstrap/node-spawner';

// The one file of the shell that knows how the core is constructed.

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

/**
 * The Node that runs the local agent and the bundle's version probe. Never this binary with
 * ELECTRON_RUN_AS_NODE: the packaged app's RunAsNode fuse is off. The runtime the app ships
 * for servers runs here too when it fits this machine (Linux x64), else a system `node`.
 */
export function localNodeSpawner(
  nodeRuntimePath: string | undefined,
  platform: { os: string; arch: string; path: string | undefined } = {
    os: process.platform,
    arch: process.arch,
    path: process.env.PATH,
  },
): NodeSpawner {
  if (nodeRuntimePath && platform.os === 'linux' && platform.arch === 'x64') {
    return nodeBinarySpawner(nodeRuntimePath);
  }
  const system = findNodeOnPath(platform.path);
  if (system) return nodeBinarySpawner(system);
  return unavailableNodeSpawner(
    '"This computer" runs its agent with Node.js, and none was found: install Node.js 20 or newer and restart Ultrabase.',
  );
}

export function startDesktop(paths: ShellPaths): Desktop {
  const { agentBundlePath, nodeRuntimePath } = resourcePaths(paths.resourcesDir);
  return createDesktop({
    home: paths.home,
    agentBundlePath,
    node: localNodeSpawner(nodeRuntimePath),
    ...(nodeRuntimePath === undefined ? {} : { nodeRuntimePath }),
  });
}
