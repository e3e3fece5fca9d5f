import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '@common/atomic-write';
import type { StateFile } from './window-state';

/** A small JSON side file (window placement): read whole, replaced atomically, owner-only. */
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
      writeFileAtomicSync(path, text, { mode: 0o600 });
    },
  };
}
