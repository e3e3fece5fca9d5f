import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CodedError, asCodedError } from '@common/coded-error';
import { storagePathSegments } from '@common/dump-format';
import { ErrorCode } from '@protocol/error-codes';
import type { DumpImportReport } from '@protocol/backups-import';
import type { Instance } from '@protocol/types';
import type { DumpLoad, LoadReport } from './dump-load';

export interface ImportSessionDeps {
  instance: Instance;
  load: DumpLoad;
  /** The new project's Storage folder (`volumes/storage`): where the files go. */
  storageRoot: string;
  /** What the desktop announced; more is refused. */
  storage: { files: number; bytes: number };
  /** Silence tolerated between two calls before the import is given up (a desktop gone). */
  idleMs: number;
  /** Removes the half-made project (as a failed creation is removed). */
  rollback(): Promise<void>;
  now(): number;
  onClosed(): void;
}

type State = 'dump' | 'loading' | 'files' | 'done' | 'failed';

/**
 * One import in flight: the dump into psql, then the Storage files into the project's folder.
 * Every failure (bad chunk, psql breaking off, a path outside the folder, silence, cancel)
 * rolls the new project back once and is the answer to every later call.
 */
export class ImportSession {
  readonly id = `u${randomBytes(8).toString('hex')}`;
  private state: State = 'dump';
  private failure: CodedError | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly started: number;
  private openFile: { path: string; handle: fs.FileHandle; size: number } | undefined;
  private files = 0;
  private fileBytes = 0;
  private loaded: LoadReport | undefined;
  private inFlight = 0;

  constructor(private readonly deps: ImportSessionDeps) {
    this.started = deps.now();
    this.touch();
  }

  get instanceId(): string {
    return this.deps.instance.id;
  }

  chunk(seq: number, data: Buffer): Promise<{ bytes: number }> {
    return this.guard(async () => {
      this.expect('dump');
      await this.deps.load.write(seq, data);
      return { bytes: data.length };
    });
  }

  file(relative: string, offset: number, data: Buffer, last: boolean): Promise<{ bytes: number }> {
    return this.guard(async () => {
      // The first file ends the dump: psql is done before Storage files arrive.
      await this.endDump();
      this.expect('files');
      const segments = storagePathSegments(relative);
      if (offset === 0) {
        if (this.openFile) throw this.protocolError(`${this.openFile.path} was not finished`);
        this.files++;
        if (this.files > this.deps.storage.files) {
          throw tooMany(`more Storage files than the ${this.deps.storage.files} announced`);
        }
        const target = path.join(this.deps.storageRoot, ...segments);
        await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
        // 'wx': never over an existing file, never through a link at the last component.
        const handle = await fs.open(target, 'wx', 0o644).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST' && error.code !== 'ENOTDIR' && error.code !== 'EISDIR') {
            throw error;
          }
          throw new CodedError(
            ErrorCode.IMPORT_BAD_PATH,
            `The Storage path "${relative}" was sent twice, or is both a file and a folder.`,
            { path: relative.slice(0, 200), reason: error.code },
          );
        });
        this.openFile = { path: relative, handle, size: 0 };
      } else if (
        !this.openFile ||
        this.openFile.path !== relative ||
        this.openFile.size !== offset
      ) {
        throw this.protocolError(`part at ${offset} of ${relative} does not follow the last one`);
      }
      const file = this.openFile!;
      this.fileBytes += data.length;
      if (this.fileBytes > this.deps.storage.bytes) {
        throw tooMany(`more Storage bytes than the ${this.deps.storage.bytes} announced`);
      }
      await file.handle.write(data, 0, data.length, file.size);
      file.size += data.length;
      if (last) {
        this.openFile = undefined;
        await file.handle.close();
      }
      return { bytes: data.length };
    });
  }

  /** Waits for psql to finish the dump (when no file came), then reports. */
  finish(): Promise<DumpImportReport> {
    return this.guard(async () => {
      if (this.openFile) throw this.protocolError(`${this.openFile.path} was not finished`);
      clearTimeout(this.idle);
      const report = await this.endDump();
      this.state = 'done';
      this.close();
      return {
        instance: this.deps.instance,
        dumpBytes: report.bytes,
        errorCount: report.errorCount,
        errors: report.errors,
        files: this.files,
        fileBytes: this.fileBytes,
        durationMs: this.deps.now() - this.started,
      };
    });
  }

  /** Gives the import up (the desktop's cancel, or silence): the new project is removed. */
  async cancel(why?: CodedError): Promise<void> {
    await this.abort(why ?? new CodedError(ErrorCode.CANCELLED, 'The import was cancelled.'));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.failure) throw this.failure;
    // The idle clock runs only while no call is in progress: a chunk waiting for a slow psql
    // is not silence.
    this.inFlight++;
    clearTimeout(this.idle);
    try {
      const result = await work();
      if (--this.inFlight === 0) this.touch();
      return result;
    } catch (error) {
      this.inFlight--;
      const coded =
        asCodedError(error) ??
        new CodedError(ErrorCode.IMPORT_FAILED, `The import failed: ${(error as Error).message}`);
      await this.abort(coded);
      throw this.failure ?? coded;
    }
  }

  private expect(state: State): void {
    if (this.state !== state) throw this.protocolError(`the import is at ${this.state}`);
  }

  /** Ends psql's input once and waits for the load (the first file or `finish` does). */
  private async endDump(): Promise<LoadReport> {
    if (!this.loaded) {
      this.expect('dump');
      this.state = 'loading';
      this.loaded = await this.deps.load.end();
      this.state = 'files';
    }
    return this.loaded;
  }

  private async abort(error: CodedError): Promise<void> {
    if (this.failure || this.state === 'done') return;
    this.failure = error;
    this.state = 'failed';
    clearTimeout(this.idle);
    this.deps.load.abort();
    await this.openFile?.handle.close().catch(() => undefined);
    this.openFile = undefined;
    this.close();
    await this.deps.rollback().catch(() => undefined);
  }

  private close(): void {
    clearTimeout(this.idle);
    this.deps.onClosed();
  }

  private touch(): void {
    clearTimeout(this.idle);
    if (this.state === 'done' || this.state === 'failed') return;
    this.idle = setTimeout(() => {
      void this.abort(
        new CodedError(
          ErrorCode.IMPORT_FAILED,
          `Nothing arrived for ${Math.round(this.deps.idleMs / 1000)} s: the import was given ` +
            'up and the new project removed.',
        ),
      );
    }, this.deps.idleMs);
    this.idle.unref();
  }

  private protocolError(why: string): CodedError {
    return new CodedError(ErrorCode.INVALID_PARAMS, `Out of order: ${why}.`);
  }
}

function tooMany(why: string): CodedError {
  return new CodedError(ErrorCode.IMPORT_TOO_LARGE, `The import sent ${why}.`);
}
