import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageHistory } from './ring';
import { DISK_EVERY, UsageSampler } from './sampler';
import { folderBytes } from './disk';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ub-disk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('project disk', () => {
  it('counts what the folder and its subfolders take, not what a link points to', async () => {
    await mkdir(join(dir, 'volumes/db/data'), { recursive: true });
    await writeFile(join(dir, 'volumes/db/data/base'), Buffer.alloc(1024 * 1024, 1));
    await writeFile(join(dir, '.env'), 'A=1\n');
    const outside = await mkdtemp(join(tmpdir(), 'ub-disk-outside-'));
    await writeFile(join(outside, 'big'), Buffer.alloc(4 * 1024 * 1024, 1));
    await symlink(outside, join(dir, 'link'));
    try {
      const bytes = await folderBytes(dir);
      expect(bytes).toBeGreaterThanOrEqual(1024 * 1024);
      expect(bytes).toBeLessThan(2 * 1024 * 1024);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
    expect(await folderBytes(join(dir, 'missing'))).toBe(0);
  });

  it('is walked every DISK_EVERY samples and carried into the samples between', async () => {
    const walks: string[] = [];
    let mb = 100;
    const history = new UsageHistory(100);
    const sampler = new UsageSampler({
      engine: {
        listContainers: async () =>
          [{ Id: 'c', Labels: { 'com.docker.compose.project': 'ub_a' } }] as never,
        stats: async () => ({ memory_stats: { usage: 0 } }),
      },
      projects: () => [{ id: 'a', project: 'ub_a' }],
      history,
      diskBytes: async (id) => {
        walks.push(id);
        return (mb += 10) * 2 ** 20;
      },
      now: () => history.history('a').length,
    });
    for (let k = 0; k <= DISK_EVERY; k++) await sampler.sample();
    expect(walks).toEqual(['a', 'a']);
    const disk = history.history('a').map((s) => s.diskMb);
    expect(disk.slice(0, DISK_EVERY)).toEqual(Array(DISK_EVERY).fill(110));
    expect(disk[DISK_EVERY]).toBe(120);
  });
});
