import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffStackFiles, readStackFiles, writeStackFiles } from './files';
import type { RenderedStack } from './render';

const rendered: RenderedStack = {
  project: 'ub_test01',
  files: [
    { path: 'docker-compose.yml', content: 'services: {}\n', mode: 0o644 },
    { path: '.env', content: 'SECRET=x\n', mode: 0o600 },
    { path: 'volumes/db/roles.sql', content: 'select 1;\n', mode: 0o644 },
  ],
};

let root: string;
let dir: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'ub-stack-files-'));
  dir = path.join(root, 'instances', 'test01');
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const modeOf = async (p: string) => (await fs.stat(p)).mode & 0o777;

describe('writeStackFiles', () => {
  it('creates 0700 directories and files with their own modes despite the umask', async () => {
    const previous = process.umask(0o000);
    try {
      await writeStackFiles(dir, rendered);
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(path.join(dir, 'volumes'))).toBe(0o700);
    expect(await modeOf(path.join(dir, 'volumes/db'))).toBe(0o700);
    expect(await modeOf(path.join(dir, '.env'))).toBe(0o600);
    expect(await modeOf(path.join(dir, 'docker-compose.yml'))).toBe(0o644);
    expect(await fs.readFile(path.join(dir, 'volumes/db/roles.sql'), 'utf8')).toBe('select 1;\n');
  });

  it('replaces existing files, tightens a loose directory, and leaves no temp files', async () => {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    await fs.chmod(dir, 0o755);
    await fs.writeFile(path.join(dir, '.env'), 'OLD=1\n', { mode: 0o666 });
    await writeStackFiles(dir, rendered);
    expect(await fs.readFile(path.join(dir, '.env'), 'utf8')).toBe('SECRET=x\n');
    expect(await modeOf(path.join(dir, '.env'))).toBe(0o600);
    expect(await modeOf(dir)).toBe(0o700);
    const all = await fs.readdir(dir, { recursive: true });
    expect(all.filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('refuses paths that leave the instance directory', async () => {
    for (const bad of ['../escape', '/etc/passwd', 'volumes/../../x']) {
      await expect(
        writeStackFiles(dir, { project: 'p', files: [{ path: bad, content: '', mode: 0o644 }] }),
      ).rejects.toThrow(/escapes/);
    }
    await expect(fs.stat(path.join(root, 'instances', 'escape'))).rejects.toThrow();
  });
});

describe('readStackFiles / diffStackFiles', () => {
  it('finds nothing to repair right after writing', async () => {
    await writeStackFiles(dir, rendered);
    expect(await diffStackFiles(dir, rendered)).toEqual([]);
  });

  it('names missing, altered and re-permissioned files, and a write repairs them', async () => {
    await writeStackFiles(dir, rendered);
    await fs.rm(path.join(dir, 'docker-compose.yml'));
    await fs.appendFile(path.join(dir, 'volumes/db/roles.sql'), '-- edited\n');
    await fs.chmod(path.join(dir, '.env'), 0o644);
    expect(await diffStackFiles(dir, rendered)).toEqual([
      { path: 'docker-compose.yml', problem: 'missing' },
      { path: '.env', problem: 'mode' },
      { path: 'volumes/db/roles.sql', problem: 'content' },
    ]);
    await writeStackFiles(dir, rendered);
    expect(await diffStackFiles(dir, rendered)).toEqual([]);
  });

  it('treats a directory in place of a file (and replaces it), or a missing dir, as missing', async () => {
    await writeStackFiles(dir, rendered);
    await fs.rm(path.join(dir, '.env'));
    await fs.mkdir(path.join(dir, '.env'));
    expect(await diffStackFiles(dir, rendered)).toEqual([{ path: '.env', problem: 'missing' }]);
    // What dockerd leaves when a bind-mounted file is missing at `up`: repair replaces it.
    await writeStackFiles(dir, rendered);
    expect(await diffStackFiles(dir, rendered)).toEqual([]);

    const gone = path.join(root, 'nope');
    const onDisk = await readStackFiles(gone, ['.env', 'volumes/db/roles.sql']);
    expect(onDisk).toEqual([
      { path: '.env', content: null, mode: null },
      { path: 'volumes/db/roles.sql', content: null, mode: null },
    ]);
  });
});
