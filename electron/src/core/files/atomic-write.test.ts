import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomicSync } from './atomic-write';

const root = mkdtempSync(join(tmpdir(), 'ub-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeFileAtomicSync', () => {
  it('creates the folder and the file, owner-only, leaving no temp file', () => {
    const path = join(root, 'a', 'b', 'window.json');
    writeFileAtomicSync(path, '{"x":1}');
    expect(readFileSync(path, 'utf8')).toBe('{"x":1}');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(root, 'a', 'b'))).toEqual(['window.json']);
  });

  it('replaces a world-readable file with an owner-only one', () => {
    const path = join(root, 'old.json');
    writeFileSync(path, 'old', { mode: 0o644 });
    chmodSync(path, 0o644);
    writeFileAtomicSync(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('replaces a symlink at the target instead of writing through it', () => {
    const victim = join(root, 'victim');
    writeFileSync(victim, 'untouched');
    const path = join(root, 'linked.json');
    symlinkSync(victim, path);
    writeFileAtomicSync(path, 'mine');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(path, 'utf8')).toBe('mine');
  });
});
