// Content hashes for the stand-in images. Sources are hashed by content; host binaries and trees
// (node, PostgreSQL, busybox, their libraries) by path, size and mtime, which changes whenever a
// package upgrade replaces them and costs a stat instead of a read.
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export class ContentHash {
  private readonly hash: Hash = createHash('sha256');

  text(label: string, value: string): this {
    this.hash.update(`${label}\0${value}\0`);
    return this;
  }

  /** Every regular file under `dir` (or `dir` itself), by content. */
  sources(dir: string): this {
    for (const file of walk(dir)) this.text(file, readFileSync(file, 'utf8'));
    return this;
  }

  /** Host files or trees, by path, size and mtime. */
  hostFiles(paths: string[]): this {
    for (const path of paths) {
      if (!existsSync(path)) {
        this.text(path, 'missing');
        continue;
      }
      for (const file of walk(path)) {
        const s = statSync(file);
        this.text(file, `${s.size}:${s.mtimeMs}`);
      }
    }
    return this;
  }

  digest(): string {
    return this.hash.digest('hex').slice(0, 12);
  }
}

export function walk(path: string): string[] {
  const s = statSync(path);
  if (!s.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => walk(join(path, name)));
}
