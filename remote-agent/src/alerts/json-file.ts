import { promises as fs } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from '@common/atomic-write';

/**
 * One JSON document on disk (0600, in the agent's 0700 alerts folder), replaced atomically.
 * Saves are serialized: `save` resolves once the latest content it was given is durable, so a
 * caller acknowledges nothing a `kill -9` could take back.
 */
export class JsonFile<T> {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    public value: T,
  ) {}

  static async open<T>(
    file: string,
    empty: () => T,
    check: (raw: unknown) => T,
  ): Promise<JsonFile<T>> {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await removeStaleTempFiles(path.dirname(file), path.basename(file));
    let value: T;
    try {
      value = check(JSON.parse(await fs.readFile(file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      value = empty();
    }
    return new JsonFile(file, value);
  }

  /** Writes the current value; concurrent calls queue behind each other. */
  save(): Promise<void> {
    const text = JSON.stringify(this.value);
    const write = this.chain.then(() => writeFileAtomic(this.file, text, 0o600));
    this.chain = write.catch(() => undefined);
    return write;
  }
}
