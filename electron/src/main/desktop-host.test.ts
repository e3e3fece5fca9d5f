import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localNodeSpawner } from './desktop-host';

const nodeDir = join(process.execPath, '..');

describe('localNodeSpawner', () => {
  it('uses the shipped runtime where it fits this machine', () => {
    const s = localNodeSpawner('/res/node-runtime/linux-x64/node', {
      os: 'linux',
      arch: 'x64',
      path: nodeDir,
    });
    expect(s.description).toBe('/res/node-runtime/linux-x64/node');
  });

  it('falls back to a system node elsewhere (the runtime is Linux x64 only)', () => {
    const s = localNodeSpawner('/res/node-runtime/linux-x64/node', {
      os: 'darwin',
      arch: 'arm64',
      path: nodeDir,
    });
    expect(s.description).toBe(process.execPath);
  });

  it('never falls back to the app binary: without any Node, it explains', () => {
    const s = localNodeSpawner(undefined, { os: 'linux', arch: 'x64', path: '/nonexistent' });
    expect(() => s.spawn(['x'])).toThrow(/install Node\.js/);
  });
});
