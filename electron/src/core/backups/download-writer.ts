import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { UltrabaseError } from '@contract/errors';
import type { DownloadedBackup } from '@contract/backups';
import type { BackupManifest } from '@protocol/backups';
import type { BackupDownloadItem, BackupDownloadPart } from '@protocol/backup-transfer';
import { TarFormatError, TarReader, type TarEntry } from './tar-reader';

export interface DownloadProgress {
  bytes: number;
  totalBytes: number;
  part?: BackupDownloadPart;
}

/** The parts a download folder gets, as the files a person finds there. */
export const DOWNLOAD_FILES = {
  database: 'db.sql',
  roles: 'roles.sql',
  manifest: 'manifest.json',
} as const;

const FOLDER_OF: Partial<Record<BackupDownloadPart, string>> = {
  storage: 'data/storage',
  functions: 'data/functions',
};

function damaged(message: string, data: Record<string, unknown>): UltrabaseError {
  return new UltrabaseError(
    'BACKUP_REPOSITORY_DAMAGED',
    `${message} The download was removed; the backup on the server is unchanged.`,
    data,
  );
}

/**
 * Writes a backup's download stream into a folder: `db.sql` (plain SQL), the project's
 * `volumes/storage/…` and `volumes/functions/…` files (the manifest's own paths), `roles.sql`
 * when asked for, and `manifest.json`. Everything goes to `<dir>.partial` and is renamed to
 * `<dir>` only after every checksum matched the manifest; a failure removes it.
 */
export class DownloadWriter {
  private readonly partial: string;
  private part: BackupDownloadPart | undefined;
  private file: { handle: FileHandle; hash: Hash; bytes: number; path: string } | undefined;
  private tar: TarReader | undefined;
  private bytes = 0;
  private readonly seen = new Map<string, { sha256: string; bytes: number }>();
  private database: { sha256: string; bytes: number } | undefined;
  private roles: { sha256: string; bytes: number } | undefined;
  /** The manifest's JSON while it arrives (the stream's first part), then the manifest. */
  private manifestText: Buffer[] | undefined;
  private manifest: BackupManifest | undefined;

  constructor(
    readonly dir: string,
    private readonly expected: { backupId: string; totalBytes: number },
    private readonly parts: BackupDownloadPart[],
    private readonly onProgress: (p: DownloadProgress) => void = () => {},
  ) {
    this.partial = `${dir}.partial`;
  }

  get totalBytes(): number {
    return this.expected.totalBytes;
  }

  async start(): Promise<void> {
    try {
      await mkdir(this.dir);
      await rm(this.dir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UltrabaseError(
        'INVALID_PARAMS',
        code === 'EEXIST'
          ? `The folder ${this.dir} already exists: choose another --out, or move it away.`
          : `The folder ${this.dir} cannot be created here (${code ?? 'error'}).`,
        { field: 'out' },
      );
    }
    await rm(this.partial, { recursive: true, force: true });
    await mkdir(this.partial, { recursive: true });
  }

  async write(item: BackupDownloadItem): Promise<void> {
    if ('part' in item) {
      await this.closePart();
      if (!this.parts.includes(item.part)) {
        throw damaged(`The server sent an unexpected part "${item.part}".`, { part: item.part });
      }
      if (item.part !== 'manifest' && !this.manifest) {
        throw damaged('The server sent the backup before its manifest.', {});
      }
      this.part = item.part;
      if (item.part === 'manifest') this.manifestText = [];
      else if (item.part === 'database') await this.openFile(DOWNLOAD_FILES.database);
      else if (item.part === 'roles') await this.openFile(DOWNLOAD_FILES.roles);
      else this.tar = new TarReader(this.tarSink(FOLDER_OF[item.part]!));
      this.onProgress({ bytes: this.bytes, totalBytes: this.totalBytes, part: item.part });
      return;
    }
    const chunk = Buffer.from(item.data, 'base64');
    if (this.manifestText) {
      this.manifestText.push(chunk);
      return;
    }
    if (this.tar) {
      try {
        await this.tar.write(chunk);
      } catch (error) {
        throw this.tarError(error);
      }
    } else if (this.file) {
      await this.fileData(chunk);
    } else throw damaged('The server sent data before naming its part.', {});
    this.onProgress({ bytes: this.bytes, totalBytes: this.totalBytes, part: this.part });
  }

  /** After the stream ended: every checksum against the manifest, then the folder is final. */
  async finish(): Promise<DownloadedBackup> {
    await this.closePart();
    const m = this.manifest;
    if (!m) throw damaged('The server sent no manifest.', {});
    if (!this.database || this.database.sha256 !== m.database.sha256) {
      throw damaged("The downloaded database dump does not match the backup's checksum.", {
        expected: m.database.sha256,
        actual: this.database?.sha256,
      });
    }
    if (this.parts.includes('roles') && this.roles?.sha256 !== m.roles.sha256) {
      throw damaged("The downloaded roles do not match the backup's checksum.", {});
    }
    const problems: string[] = [];
    for (const entry of m.files.entries) {
      const got = this.seen.get(entry.path);
      if (!got) problems.push(`${entry.path}: missing`);
      else if (got.sha256 !== entry.sha256 || got.bytes !== entry.bytes)
        problems.push(`${entry.path}: differs`);
    }
    const expected = new Set(m.files.entries.map((e) => e.path));
    for (const path of this.seen.keys()) if (!expected.has(path)) problems.push(`${path}: extra`);
    if (problems.length > 0) {
      throw damaged(
        `${problems.length} downloaded file(s) do not match the backup's manifest (` +
          `${problems.slice(0, 3).join('; ')}).`,
        { files: problems.length },
      );
    }
    await writeFile(join(this.partial, DOWNLOAD_FILES.manifest), JSON.stringify(m, null, 2) + '\n');
    await rename(this.partial, this.dir);
    return {
      dir: this.dir,
      bytes: this.bytes,
      files: this.seen.size,
      database: {
        file: join(this.dir, DOWNLOAD_FILES.database),
        sha256: this.database.sha256,
        bytes: this.database.bytes,
      },
      ...(this.roles ? { roles: join(this.dir, DOWNLOAD_FILES.roles) } : {}),
    };
  }

  /** A failed or cancelled download leaves nothing behind. */
  async abort(): Promise<void> {
    await this.file?.handle.close().catch(() => {});
    this.file = undefined;
    await rm(this.partial, { recursive: true, force: true });
  }

  private async openFile(relative: string): Promise<void> {
    const path = join(this.partial, relative);
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'wx', 0o600);
    this.file = { handle, hash: createHash('sha256'), bytes: 0, path: relative };
  }

  private async fileData(chunk: Buffer): Promise<void> {
    const f = this.file!;
    await f.handle.write(chunk);
    f.hash.update(chunk);
    f.bytes += chunk.length;
    this.bytes += chunk.length;
  }

  private async closeFile(): Promise<{ path: string; sha256: string; bytes: number }> {
    const f = this.file!;
    this.file = undefined;
    await f.handle.close();
    return { path: f.path, sha256: f.hash.digest('hex'), bytes: f.bytes };
  }

  private async closePart(): Promise<void> {
    if (this.manifestText) {
      const text = Buffer.concat(this.manifestText).toString('utf8');
      this.manifestText = undefined;
      let manifest: BackupManifest;
      try {
        manifest = JSON.parse(text) as BackupManifest;
      } catch {
        throw damaged("The backup's manifest did not arrive whole.", {});
      }
      if (manifest.id !== this.expected.backupId || !Array.isArray(manifest.files?.entries)) {
        throw damaged(`The server sent the manifest of another backup (${String(manifest.id)}).`, {
          expected: this.expected.backupId,
        });
      }
      this.manifest = manifest;
    }
    if (this.tar) {
      try {
        await this.tar.end();
      } catch (error) {
        throw this.tarError(error);
      }
      this.tar = undefined;
    }
    if (this.file) {
      const done = await this.closeFile();
      if (this.part === 'database') this.database = done;
      if (this.part === 'roles') this.roles = done;
    }
  }

  private tarError(error: unknown): unknown {
    return error instanceof TarFormatError
      ? damaged(
          `The downloaded ${this.part ?? ''} files are not a readable archive: ${error.message}.`,
          {},
        )
      : error;
  }

  /** Maps `data/storage/x` to `volumes/storage/x`; refuses anything outside the part's folder. */
  private tarSink(folder: string) {
    return {
      entry: async (entry: TarEntry) => {
        const clean = posix.normalize(entry.path);
        if (clean !== folder && !clean.startsWith(`${folder}/`)) {
          throw damaged(`The archive holds "${entry.path}", outside ${folder}.`, {});
        }
        const relative = `volumes/${clean.slice('data/'.length)}`;
        if (entry.type === 'directory') {
          await mkdir(join(this.partial, relative), { recursive: true });
        } else if (entry.type === 'file') {
          await this.openFile(relative);
        }
      },
      data: (chunk: Buffer) => this.fileData(chunk),
      endEntry: async () => {
        const done = await this.closeFile();
        this.seen.set(done.path, { sha256: done.sha256, bytes: done.bytes });
      },
    };
  }
}
