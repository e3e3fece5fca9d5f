import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@common/atomic-write';

/**
 * The one restic password of this server's repositories, made here on first use and kept in a
 * 0600 file that only the restic container reads (mounted read-only). The desktop receives it
 * once (the first `backups.key` after it was made) and keeps it in the keychain: with it, a
 * backup on an SFTP or S3 destination can be restored after this server is gone.
 */
export class RepositoryPassword {
  readonly file: string;

  constructor(backupsDir: string) {
    this.file = path.join(backupsDir, 'repository-password');
  }

  /** Creates the password when there is none; says whether it did. */
  async ensure(): Promise<{ created: boolean }> {
    try {
      await fs.access(this.file);
      return { created: false };
    } catch {
      await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, randomBytes(32).toString('base64url'));
      return { created: true };
    }
  }

  async read(): Promise<string> {
    await this.ensure();
    return (await fs.readFile(this.file, 'utf8')).trim();
  }

  /** Replaces it (a server rebuilt from the keychain's copy, to reach the old repositories). */
  async replace(password: string): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, password);
  }
}
