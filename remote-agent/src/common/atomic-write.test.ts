import { mkdtempSync, promises as fs, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the whole file with the given mode and leaves no temp file', async () => {
    const file = path.join(dir, 'state.json');
    await writeFileAtomic(file, 'old');
    await Promise.all([writeFileAtomic(file, 'a'.repeat(10_000)), writeFileAtomic(file, 'b')]);
    expect(['b', 'a'.repeat(10_000)]).toContain(readFileSync(file, 'utf8'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
    await writeFileAtomic(path.join(dir, 'open.json'), '{}', 0o644);
    expect(statSync(path.join(dir, 'open.json')).mode & 0o777).toBe(0o644);
  });

  it('keeps the old content when the write fails, and stale temp files are removable', async () => {
    const file = path.join(dir, 'missing-dir', 'x.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toThrow();
    await fs.writeFile(path.join(dir, '.x.json.tmp-1-1'), 'half');
    expect(await removeStaleTempFiles(dir, 'x.json')).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});
