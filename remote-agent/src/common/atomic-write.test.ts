import {
  chmodSync,
  mkdtempSync,
  promises as fs,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic, writeFileAtomicSync } from './atomic-write';

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

  it('never replaces the good file with a short write (the size is checked before the rename)', async () => {
    const file = path.join(dir, 'state.json');
    await writeFileAtomic(file, 'good');
    const realOpen = fs.open.bind(fs);
    const spy = vi.spyOn(fs, 'open').mockImplementation(async (...args) => {
      const handle = await realOpen(...(args as Parameters<typeof fs.open>));
      // A filesystem that takes fewer bytes than asked, without an error.
      handle.writeFile = (data: unknown) => realWrite(handle, data);
      return handle;
    });
    const realWrite = async (h: Awaited<ReturnType<typeof fs.open>>, data: unknown) => {
      await h.write(String(data).slice(0, 3));
    };
    try {
      await expect(writeFileAtomic(file, 'new content')).rejects.toThrow(/wrote 3 of 11 bytes/);
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(file, 'utf8')).toBe('good');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('keeps the old content when the write fails, and stale temp files are removable', async () => {
    const file = path.join(dir, 'missing-dir', 'x.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toThrow();
    await fs.writeFile(path.join(dir, '.x.json.tmp-1-1'), 'half');
    expect(await removeStaleTempFiles(dir, 'x.json')).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('creates the temp file with the final mode whatever the umask, and runs beforeRename', async () => {
    const file = path.join(dir, 'kong.yml');
    const old = process.umask(0o077);
    let seen = -1;
    try {
      await writeFileAtomic(file, 'S=1', {
        mode: 0o644,
        beforeRename: async () => {
          const temp = readdirSync(dir).find((n) => n.startsWith('.kong.yml.tmp-'))!;
          seen = (await fs.stat(path.join(dir, temp))).mode & 0o777;
        },
      });
    } finally {
      process.umask(old);
    }
    expect(seen).toBe(0o644);
    expect(readFileSync(file, 'utf8')).toBe('S=1');
  });
});

const root = mkdtempSync(path.join(tmpdir(), 'ub-atomic-sync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeFileAtomicSync', () => {
  it('creates the folder and the file, owner-only, leaving no temp file', () => {
    const file = path.join(root, 'a', 'b', 'window.json');
    writeFileAtomicSync(file, '{"x":1}');
    expect(readFileSync(file, 'utf8')).toBe('{"x":1}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.join(root, 'a', 'b'))).toEqual(['window.json']);
  });

  it('replaces a world-readable file with an owner-only one', () => {
    const file = path.join(root, 'old.json');
    writeFileSync(file, 'old', { mode: 0o644 });
    chmodSync(file, 0o644);
    writeFileAtomicSync(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replaces a symlink at the target instead of writing through it', () => {
    const victim = path.join(root, 'victim');
    writeFileSync(victim, 'untouched');
    const file = path.join(root, 'linked.json');
    symlinkSync(victim, file);
    writeFileAtomicSync(file, 'mine');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });
});
