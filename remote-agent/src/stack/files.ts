import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '@common/atomic-write';
import type { RenderedStack } from './render';

/**
 * The instance directory on disk. Files are replaced atomically (temp file, fsync, rename,
 * fsync of the directory) so a crash mid-write leaves the old file or the new one, never half;
 * directories are 0700 because some files under them hold keys.
 */
export async function writeStackFiles(dir: string, rendered: RenderedStack): Promise<void> {
  const targets = rendered.files.map((file) => ({ file, target: resolveInside(dir, file.path) }));
  const dirs = new Set<string>([dir]);
  for (const { target } of targets) {
    for (let d = path.dirname(target); d !== dir; d = path.dirname(d)) dirs.add(d);
  }
  // Parents before children (shorter paths first), then every file at once: the fsyncs overlap
  // and the filesystem commits them together, instead of one journal flush per file.
  for (const d of [...dirs].sort((a, b) => a.length - b.length)) await ensureDir(d);
  await Promise.all(
    targets.map(({ file, target }) =>
      writeFileAtomic(target, file.content, {
        mode: file.mode,
        syncDir: false,
        beforeRename: () => replaceEmptyDirectory(target),
      }),
    ),
  );
  await Promise.all([...dirs].map(fsyncDir));
}

export interface StackFileOnDisk {
  path: string;
  /** null when the file is missing (or not a regular file). */
  content: string | null;
  mode: number | null;
}

export async function readStackFiles(dir: string, paths: string[]): Promise<StackFileOnDisk[]> {
  return Promise.all(
    paths.map(async (rel) => {
      const target = resolveInside(dir, rel);
      try {
        const stat = await fs.lstat(target);
        if (!stat.isFile()) return { path: rel, content: null, mode: null };
        return { path: rel, content: await fs.readFile(target, 'utf8'), mode: stat.mode & 0o777 };
      } catch (error) {
        if (isNotFound(error)) return { path: rel, content: null, mode: null };
        throw error;
      }
    }),
  );
}

export interface StackFileDiff {
  path: string;
  /** missing: absent or not a file; content: differs from the rendering; mode: permissions. */
  problem: 'missing' | 'content' | 'mode';
}

/** The files that repair must rewrite: missing, altered, or with looser/other permissions. */
export async function diffStackFiles(
  dir: string,
  rendered: RenderedStack,
): Promise<StackFileDiff[]> {
  const onDisk = await readStackFiles(
    dir,
    rendered.files.map((f) => f.path),
  );
  const diffs: StackFileDiff[] = [];
  rendered.files.forEach((file, i) => {
    const found = onDisk[i]!;
    if (found.content === null) diffs.push({ path: file.path, problem: 'missing' });
    else if (found.content !== file.content) diffs.push({ path: file.path, problem: 'content' });
    else if (found.mode !== file.mode) diffs.push({ path: file.path, problem: 'mode' });
  });
  return diffs;
}

/**
 * When a bind-mounted file is missing, dockerd creates an empty directory in its place at the
 * next `up`; repair must be able to put the file back. Only an empty directory is removed.
 */
async function replaceEmptyDirectory(target: string): Promise<void> {
  const stat = await fs.lstat(target).catch(() => null);
  if (stat?.isDirectory()) await fs.rmdir(target);
}

async function ensureDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
}

function resolveInside(dir: string, rel: string): string {
  const target = path.resolve(dir, rel);
  if (path.isAbsolute(rel) || !target.startsWith(path.resolve(dir) + path.sep)) {
    throw new Error(`Stack file path escapes the instance directory: ${rel}`);
  }
  return target;
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
