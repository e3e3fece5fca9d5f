import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StateFile } from './window-state';

/** A small JSON side file (window placement): read whole, replaced by rename. */
export function atomicFile(path: string): StateFile {
  return {
    read() {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    write(text) {
      mkdirSync(dirname(path), { recursive: true });
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, text, { mode: 0o600 });
      // rename is atomic on one filesystem: a crash leaves the old file or the new, never half.
      renameSync(temp, path);
    },
  };
}
