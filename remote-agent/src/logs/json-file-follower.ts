import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { joinRecords, type RecordRun } from './json-file-records';

/**
 * Reads a container's json-file log (`LogPath` from inspect) straight from disk, as `cat` would,
 * instead of through dockerd's log API, which decodes and re-frames every line and caps a
 * follow at a fraction of the disk's speed. The tail spans the rotated files (`<path>.1`, … —
 * compressed ones are not read), a follow notices rotation (a new inode at the path) and
 * truncation, and only whole lines are handed on, in chunks of about `chunkBytes`.
 */
export interface JsonFileConsumer {
  /**
   * Whole records, oldest first. `run.joined` is valid only during the call (its buffer is
   * read into again): copy what must outlive it. False: pause until `resume()`.
   */
  records(run: RecordRun): boolean;
  /**
   * Called once when reading is over: the log is gone (container removed), a read without
   * follow reached the end, reading failed, or the follow was cancelled.
   */
  end(error?: Error): void;
}

export interface JsonFileFollowOptions {
  path: string;
  /** The last `tail` lines first; undefined: the whole log, rotated files included. */
  tail?: number;
  follow: boolean;
  chunkBytes?: number;
  /** How often a follow looks at the file when no change notification came (missed events). */
  pollMs?: number;
}

const NEWLINE = 0x0a;
const MAX_ROTATED_FILES = 20;
// Large reads: a tail of 100,000 lines is ~17 MB of json-file, and each read through the
// thread pool costs tens of microseconds on top of the copy.
const BACKWARD_BLOCK = 1024 * 1024;
/**
 * About one `records` message per read. 96 KiB: the core decodes each message as one string,
 * and V8 puts strings over 128 KiB in its large-object space, which only a full collection
 * frees (measured with test/bench/core-log-path.ts: 256 KiB messages cost the core 20-40% more
 * than 64-120 KiB ones). A third of the messages, acks and reads that 64 KiB took.
 */
const DEFAULT_CHUNK = 96 * 1024;
const MAX_PARTIAL_BYTES = 1024 * 1024;

interface Segment {
  path: string;
  start: number;
}

/**
 * Offset where the last `n` whole lines of `handle` (`size` bytes) begin, and how many it has.
 * Scans backwards in large blocks with the native `lastIndexOf` (a tail that spans the whole
 * file walks all of it).
 */
export async function tailStart(
  handle: FileHandle,
  size: number,
  n: number,
  blockBytes = BACKWARD_BLOCK,
): Promise<{ start: number; lines: number }> {
  if (n === 0) return { start: size, lines: 0 };
  const block = Buffer.allocUnsafe(Math.min(blockBytes, size));
  let seen = 0;
  let end = size;
  while (end > 0) {
    const from = Math.max(0, end - block.length);
    const { bytesRead } = await handle.read(block, 0, end - from, from);
    const view = block.subarray(0, bytesRead);
    for (
      let i = view.lastIndexOf(NEWLINE);
      i !== -1;
      i = i > 0 ? view.lastIndexOf(NEWLINE, i - 1) : -1
    ) {
      seen += 1;
      // The (n+1)-th newline from the end closes the line before the ones we want.
      if (seen === n + 1) return { start: from + i + 1, lines: n };
    }
    end = from;
  }
  return { start: 0, lines: seen };
}

/** The rotated files that hold older lines, newest first, as long as they are plain files. */
async function rotatedFiles(path: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 1; i <= MAX_ROTATED_FILES; i++) {
    const p = `${path}.${i}`;
    const s = await stat(p).catch(() => undefined);
    if (!s?.isFile()) break;
    out.push(p);
  }
  return out;
}

export class JsonFileFollower {
  private cancelled = false;
  private resumeWaiter: (() => void) | undefined;
  private changeWaiter: (() => void) | undefined;
  private watcher: FSWatcher | undefined;
  private rest: Buffer = Buffer.alloc(0);
  private readBuffer: Buffer | undefined;
  private readonly chunkBytes: number;

  private constructor(
    private readonly options: JsonFileFollowOptions,
    private readonly consumer: JsonFileConsumer,
    private handle: FileHandle,
    private ino: number,
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
  }

  /**
   * Opens the log or throws (no such file, no permission): the caller then falls back to the
   * Engine API. Reading starts at once.
   */
  static async start(
    options: JsonFileFollowOptions,
    consumer: JsonFileConsumer,
  ): Promise<JsonFileFollower> {
    const handle = await open(options.path, 'r');
    try {
      const s = await handle.stat();
      const follower = new JsonFileFollower(options, consumer, handle, s.ino);
      void follower.run(s.size).then(
        () => follower.finish(),
        (err: unknown) => follower.finish(err instanceof Error ? err : new Error(String(err))),
      );
      return follower;
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
  }

  resume(): void {
    const w = this.resumeWaiter;
    this.resumeWaiter = undefined;
    w?.();
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.resume();
    this.wake();
  }

  private finished = false;
  private finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.watcher?.close();
    void this.handle.close().catch(() => {});
    this.consumer.end(this.cancelled ? undefined : error);
  }

  private wake(): void {
    const w = this.changeWaiter;
    this.changeWaiter = undefined;
    w?.();
  }

  private async run(size: number): Promise<void> {
    const { tail } = this.options;
    const segments: Segment[] = [];
    if (tail === undefined) {
      for (const p of (await rotatedFiles(this.options.path)).reverse()) {
        segments.push({ path: p, start: 0 });
      }
    } else {
      const here = await tailStart(this.handle, size, tail);
      let missing = tail - here.lines;
      for (const p of missing > 0 ? await rotatedFiles(this.options.path) : []) {
        if (missing <= 0) break;
        const h = await open(p, 'r').catch(() => undefined);
        if (!h) break;
        try {
          const t = await tailStart(h, (await h.stat()).size, missing);
          segments.unshift({ path: p, start: t.start });
          missing -= t.lines;
        } finally {
          await h.close();
        }
      }
      segments.push({ path: this.options.path, start: here.start });
    }
    if (tail === undefined) segments.push({ path: this.options.path, start: 0 });

    // Older files first, read to their end and closed.
    for (const seg of segments.slice(0, -1)) {
      if (this.cancelled) return;
      const h = await open(seg.path, 'r').catch(() => undefined);
      if (!h) continue;
      try {
        await this.readToEnd(h, seg.start);
      } finally {
        await h.close();
      }
      this.rest = Buffer.alloc(0); // a rotated file ends with a whole line
    }
    const current = segments.at(-1) as Segment;
    let pos = await this.readToEnd(this.handle, current.start);
    if (!this.options.follow) return;

    this.watcher = this.watchDirectory();
    while (!this.cancelled) {
      const s = await stat(this.options.path).catch(() => undefined);
      if (!s) {
        // Rotation leaves the path empty for an instant; a removed container takes its folder.
        const dir = await stat(dirname(this.options.path)).catch(() => undefined);
        if (!dir) return;
      } else if (s.ino !== this.ino) {
        await this.readToEnd(this.handle, pos); // what was written before the rename
        const next = await open(this.options.path, 'r').catch(() => undefined);
        if (next) {
          await this.handle.close().catch(() => {});
          this.handle = next;
          this.ino = (await next.stat()).ino;
          this.rest = Buffer.alloc(0);
          pos = await this.readToEnd(next, 0);
          continue;
        }
      } else if (s.size < pos) {
        pos = 0; // truncated in place
        this.rest = Buffer.alloc(0);
        continue;
      } else if (s.size > pos) {
        pos = await this.readToEnd(this.handle, pos);
        continue;
      }
      await this.changed();
    }
  }

  /** Resolves at the next change in the container's folder, or after the poll interval. */
  private changed(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), this.options.pollMs ?? 1_000);
      this.changeWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.cancelled) this.wake();
    });
  }

  private watchDirectory(): FSWatcher | undefined {
    try {
      const w = watch(dirname(this.options.path), { persistent: false }, () => this.wake());
      w.on('error', () => {});
      return w;
    } catch {
      return undefined; // polling alone still follows
    }
  }

  /**
   * Reads from `pos` to the current end, handing on whole lines; returns the new position. One
   * buffer serves every read of a flood (the agent's profile: fresh 96 KiB buffers per read
   * cost it more in garbage collection than the reads), behind the partial line kept from the
   * read before; it is let go once the end is reached, so an idle follow holds none.
   */
  private async readToEnd(handle: FileHandle, pos: number): Promise<number> {
    try {
      for (;;) {
        if (this.cancelled) return pos;
        const kept = this.rest.length;
        if (!this.readBuffer || this.readBuffer.length < kept + this.chunkBytes) {
          this.readBuffer = Buffer.allocUnsafe(kept + this.chunkBytes);
        }
        const buf = this.readBuffer;
        this.rest.copy(buf, 0);
        const { bytesRead } = await handle.read(buf, kept, this.chunkBytes, pos);
        if (bytesRead === 0) return pos;
        pos += bytesRead;
        await this.hand(buf.subarray(0, kept + bytesRead));
      }
    } finally {
      this.readBuffer = undefined;
    }
  }

  /** `data`: the partial line kept from before, then what was just read; changed in place. */
  private async hand(data: Buffer): Promise<void> {
    const { length, count, rest } = joinRecords(data);
    // Keep the partial last line (a copy: the read buffer is reused). Docker splits longer
    // messages at 16 KiB, so a "line" past the cap is not a record: drop it.
    this.rest =
      data.length - rest > MAX_PARTIAL_BYTES ? Buffer.alloc(0) : Buffer.from(data.subarray(rest));
    if (count === 0) return;
    if (!this.consumer.records({ joined: data.subarray(0, length), count }) && !this.cancelled) {
      await new Promise<void>((resolve) => (this.resumeWaiter = resolve));
    }
  }
}
