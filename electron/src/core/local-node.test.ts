// Finding 12 of the security review: the core ran the local agent (and its version probe) as
// `process.execPath` with ELECTRON_RUN_AS_NODE=1, which needs the RunAsNode fuse on. Here a
// stand-in "node" records the variable it was started with; it must never be set.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDesktop } from './desktop';
import { createMemorySecretStore } from './profiles/secret-store';
import { findNodeOnPath, runNode, unavailableNodeSpawner } from './bootstrap/node-spawner';

const dir = mkdtempSync(join(tmpdir(), 'ub-local-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recorder(): { path: string; record: string } {
  const record = join(dir, `record-${Math.random().toString(36).slice(2)}`);
  const path = join(dir, `fake-node-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    `#!/bin/sh\nprintf '%s' "\${ELECTRON_RUN_AS_NODE:-unset}" >> '${record}'\nexit 3\n`,
  );
  chmodSync(path, 0o755);
  return { path, record };
}

describe('the local agent runs on a real Node, never the app binary as Node', () => {
  it('starts "This computer" without ELECTRON_RUN_AS_NODE', async () => {
    const node = recorder();
    const desktop = createDesktop({
      home: join(dir, 'home'),
      secrets: createMemorySecretStore(),
      agentBundlePath: join(dir, 'agent.cjs'),
      nodePath: node.path,
    });
    try {
      await expect(desktop.connectServer('local')).rejects.toMatchObject({
        code: 'BOOTSTRAP_FAILED',
      });
    } finally {
      await desktop.close();
    }
    expect(readFileSync(node.record, 'utf8')).toBe('unset');
  });

  it('strips a stray ELECTRON_RUN_AS_NODE inherited from the parent', async () => {
    const node = recorder();
    process.env.ELECTRON_RUN_AS_NODE = '1';
    try {
      const { nodeBinarySpawner } = await import('./bootstrap/node-spawner');
      const r = await runNode(nodeBinarySpawner(node.path), ['x']);
      expect(r.code).toBe(3);
    } finally {
      delete process.env.ELECTRON_RUN_AS_NODE;
    }
    expect(readFileSync(node.record, 'utf8')).toBe('unset');
  });

  it('finds a system node on PATH, and says what to do when there is none', async () => {
    expect(findNodeOnPath(`${dir}/nowhere:${join(process.execPath, '..')}`)).toBe(process.execPath);
    expect(findNodeOnPath(`${dir}/nowhere`)).toBeUndefined();
    await expect(
      runNode(unavailableNodeSpawner('Install Node.js 20.'), ['x']),
    ).rejects.toMatchObject({ code: 'BOOTSTRAP_FAILED', message: 'Install Node.js 20.' });
  });
});
