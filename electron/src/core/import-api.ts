import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UltrabaseError } from '@contract/errors';
import type { DumpImportProgress, DumpImportStatus, DumpImportSummary } from '@contract/backups';
import { DUMP_HEAD_BYTES, sniffDump } from '@common/dump-format';
import type { DumpImportMethodResults, DumpImportReport } from '@protocol/backups-import';
import type { MethodName, ParamsOf, ResultOf } from '@protocol/methods';

type ImportMethod = keyof DumpImportMethodResults & MethodName;

/** The agent session as the import uses it (AgentSession.call fits; tests pass their own). */
export interface ImportWire {
  call<M extends ImportMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: { timeoutMs?: number },
  ): Promise<ResultOf<M>>;
}

export interface DumpImportInput {
  dumpPath: string;
  storageDir?: string;
  name: string;
}

export interface StorageFile {
  /** `/`-separated, relative to the folder: how the agent names it. */
  relative: string;
  absolute: string;
  bytes: number;
}

/** Creating and starting the new project happens inside `begin`: pulls may take minutes. */
const BEGIN_TIMEOUT_MS = 20 * 60_000;
/** A chunk waits for psql to take it, which may include a long statement (an index build). */
const CHUNK_TIMEOUT_MS = 30 * 60_000;
const FINISH_TIMEOUT_MS = 60 * 60_000;

function badPath(path: string, reason: string, message: string): UltrabaseError {
  return new UltrabaseError('IMPORT_BAD_PATH', message, { path, reason });
}

/**
 * Every regular file under the Storage folder. A symlink (it could point anywhere on this
 * computer) or a special file is refused, before anything is sent: the agent would only see
 * what the link points at, and an import must copy the folder, not the disk behind it.
 */
export async function scanStorageFolder(
  dir: string,
): Promise<{ files: StorageFile[]; bytes: number }> {
  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) {
    throw badPath(dir, 'not-a-folder', `${dir} is not a folder (a symlink to one is refused too).`);
  }
  const files: StorageFile[] = [];
  let bytes = 0;
  const walk = async (absolute: string, relative: string[]): Promise<void> => {
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(absolute, entry.name);
      const rel = [...relative, entry.name];
      if (entry.isSymbolicLink()) {
        throw badPath(
          full,
          'symlink',
          `${full} is a symbolic link: copy what it points at instead.`,
        );
      }
      if (entry.name.includes('\\')) {
        throw badPath(full, 'name', `${full} has a backslash in its name.`);
      }
      if (entry.isDirectory()) await walk(full, rel);
      else if (entry.isFile()) {
        const size = (await lstat(full)).size;
        bytes += size;
        files.push({ relative: rel.join('/'), absolute: full, bytes: size });
      } else {
        throw badPath(full, 'special', `${full} is not a regular file or a folder.`);
      }
    }
  };
  await walk(dir, []);
  return { files, bytes };
}

/** The dump's size and first bytes, checked here so a wrong file costs no project. */
export async function readDumpHead(path: string): Promise<{ size: number; head: Buffer }> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UltrabaseError(
      'IMPORT_NOT_A_DUMP',
      code === 'ENOENT' ? `${path} does not exist.` : `${path} cannot be read (${code}).`,
      { reason: code === 'ENOENT' ? 'not-found' : 'unreadable' },
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size === 0) {
      throw new UltrabaseError(
        'IMPORT_NOT_A_DUMP',
        `${path} is ${stat.isFile() ? 'empty' : 'not a regular file'}.`,
        { reason: stat.isFile() ? 'empty' : 'not-a-regular-file' },
      );
    }
    const head = Buffer.alloc(Math.min(stat.size, DUMP_HEAD_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { size: stat.size, head: head.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

/** Reads a file in chunks of `bytes` (the last one shorter). */
async function* chunksOf(path: string, bytes: number, expected: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  let total = 0;
  for await (const piece of createReadStream(path, {
    highWaterMark: bytes,
  }) as AsyncIterable<Buffer>) {
    pending.push(piece);
    size += piece.length;
    total += piece.length;
    if (total > expected) {
      throw new UltrabaseError('IMPORT_TOO_LARGE', `${path} grew while it was being sent.`);
    }
    while (size >= bytes) {
      const all = Buffer.concat(pending);
      yield all.subarray(0, bytes);
      pending = [all.subarray(bytes)];
      size -= bytes;
    }
  }
  if (size > 0) yield Buffer.concat(pending);
}

/**
 * Imports a dump (and a Storage folder) into a new project: checks both here, `begin` creates the
 * project, the dump goes up with `windowChunks` chunks in flight (each answered once psql took
 * it), then the files one part at a time, then `finish` returns the report. A failure here
 * (a read error, a cancel) cancels on the agent, which removes the new project.
 */
export async function importDump(
  wire: ImportWire,
  input: DumpImportInput,
  progress: (p: DumpImportProgress) => void,
  signal?: AbortSignal,
): Promise<DumpImportReport> {
  progress({ phase: 'checking', bytes: 0, totalBytes: 0, files: 0, totalFiles: 0 });
  const dump = await readDumpHead(input.dumpPath);
  sniffDump(dump.head);
  const storage = input.storageDir ? await scanStorageFolder(input.storageDir) : undefined;
  const totals = {
    totalBytes: dump.size + (storage?.bytes ?? 0),
    totalFiles: storage?.files.length ?? 0,
  };
  const at = { bytes: 0, files: 0 };
  const report = (phase: DumpImportProgress['phase']) => progress({ phase, ...at, ...totals });
  report('creating');
  const begun = await wire.call(
    'backups.dumpImport.begin',
    {
      name: input.name,
      dumpBytes: dump.size,
      head: dump.head.toString('base64'),
      ...(storage ? { storage: { files: storage.files.length, bytes: storage.bytes } } : {}),
    },
    { timeoutMs: BEGIN_TIMEOUT_MS },
  );
  const { uploadId } = begun;
  try {
    report('uploading-dump');
    const inFlight = new Set<Promise<unknown>>();
    let seq = 0;
    let failure: unknown;
    for await (const chunk of chunksOf(input.dumpPath, begun.chunkBytes, dump.size)) {
      if (signal?.aborted) throw cancelled();
      if (failure) throw failure;
      const sent = wire
        .call(
          'backups.dumpImport.chunk',
          { uploadId, seq: ++seq, data: chunk.toString('base64') },
          { timeoutMs: CHUNK_TIMEOUT_MS },
        )
        .then(
          () => {
            at.bytes += chunk.length;
            report('uploading-dump');
          },
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      if (inFlight.size >= begun.windowChunks) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    report('loading');
    for (const file of storage?.files ?? []) {
      const parts = chunksOf(file.absolute, begun.chunkBytes, file.bytes);
      let offset = 0;
      let current = await parts.next();
      // An empty file is still one part (empty, and the last).
      do {
        if (signal?.aborted) throw cancelled();
        const data = current.done ? Buffer.alloc(0) : current.value;
        const following = current.done ? current : await parts.next();
        await wire.call(
          'backups.dumpImport.file',
          {
            uploadId,
            path: file.relative,
            offset,
            data: data.toString('base64'),
            last: following.done === true,
          },
          { timeoutMs: CHUNK_TIMEOUT_MS },
        );
        offset += data.length;
        at.bytes += data.length;
        report('uploading-files');
        current = following;
      } while (!current.done);
      at.files++;
      report('uploading-files');
    }
    report('loading');
    const result = await wire.call(
      'backups.dumpImport.finish',
      { uploadId },
      { timeoutMs: FINISH_TIMEOUT_MS },
    );
    report('done');
    return result;
  } catch (error) {
    // The agent removes the new project; when it already failed there, this finds no upload.
    await wire
      .call('backups.dumpImport.cancel', { uploadId }, { timeoutMs: 60_000 })
      .catch(() => undefined);
    throw error;
  }
}

function cancelled(): UltrabaseError {
  return new UltrabaseError('CANCELLED', 'The import was cancelled; the new project was removed.');
}

/**
 * Imports running in this desktop, for the UI and the CLI to follow (`dumpImportStatus`): each
 * has an id, its progress, and at the end its report or its error.
 */
export class DumpImports {
  private readonly running = new Map<
    string,
    { serverId: string; status: DumpImportStatus; abort: AbortController }
  >();

  start(
    serverId: string,
    wire: ImportWire,
    input: DumpImportInput,
    project: (report: DumpImportReport) => DumpImportStatus['project'],
  ): { importId: string } {
    const importId = `i${randomBytes(6).toString('hex')}`;
    const abort = new AbortController();
    const entry = {
      serverId,
      abort,
      status: {
        serverId,
        finished: false,
        progress: { phase: 'checking', bytes: 0, totalBytes: 0, files: 0, totalFiles: 0 },
      } as DumpImportStatus,
    };
    this.running.set(importId, entry);
    void importDump(wire, input, (p) => (entry.status.progress = p), abort.signal).then(
      (report) => {
        entry.status = {
          ...entry.status,
          finished: true,
          report: summaryOf(report),
          project: project(report),
        };
      },
      (error: unknown) => {
        const e = error as { code?: unknown; message?: unknown };
        entry.status = {
          ...entry.status,
          finished: true,
          progress: { ...entry.status.progress, phase: 'failed' },
          error: {
            code: typeof e.code === 'string' ? e.code : 'INTERNAL',
            message: typeof e.message === 'string' ? e.message : 'The import failed.',
          },
        };
      },
    );
    return { importId };
  }

  status(importId: string): DumpImportStatus {
    const entry = this.running.get(importId);
    if (!entry) {
      throw new UltrabaseError('NOT_FOUND', `There is no import "${importId}" on this computer.`);
    }
    return entry.status;
  }

  cancel(importId: string): { ok: true } {
    this.running.get(importId)?.abort.abort();
    return { ok: true };
  }
}

function summaryOf(report: DumpImportReport): DumpImportSummary {
  const { instance: _instance, ...summary } = report;
  return summary;
}
