import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@protocol/error-codes';
import type { LogLine, LogSource } from '@protocol/types';
import { COMPOSE_SERVICE_LABEL, type DockerEngine } from '../docker/engine';
import { FrameDemuxer } from '../docker/frames';
import { JsonFileFollower } from '../logs/json-file-follower';
import { parseRecords } from '../logs/json-file-records';
import { describeError } from './lifecycle-error';
import type { LogSink } from './types';

export interface FollowOptions {
  service?: string;
  tail?: number;
  follow?: boolean;
  /** "records": one followed container's json-file records go out as read (`sink.writeRecords`). */
  format?: 'lines' | 'records';
}

const MAX_LINES_PER_BATCH = 1000;
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * A read without `follow` gathers every service's tail before merging them in time order, so
 * it is held in memory: at most this much per service (the newest lines are kept), whatever
 * `tail` asked for.
 */
export const MAX_READ_LINES_PER_SERVICE = 5_000;
export const MAX_READ_BYTES_PER_SERVICE = 4 * 1024 * 1024;

/** The newest lines of one service's log, within the read caps. */
class BoundedTail {
  readonly lines: LogLine[] = [];
  private bytes = 0;
  private start = 0;

  push(lines: LogLine[]): void {
    for (const l of lines) {
      this.lines.push(l);
      this.bytes += l.text.length;
    }
    while (
      this.lines.length - this.start > MAX_READ_LINES_PER_SERVICE ||
      this.bytes > MAX_READ_BYTES_PER_SERVICE
    ) {
      this.bytes -= (this.lines[this.start] as LogLine).text.length;
      this.start += 1;
    }
    // Compact now and then rather than shifting an array on every dropped line.
    if (this.start > 4_096) {
      this.lines.splice(0, this.start);
      this.start = 0;
    }
  }

  take(): LogLine[] {
    return this.lines.slice(this.start);
  }
}

/** A single giant line (a minified dump) must not become a message the protocol refuses. */
const MAX_LINE_CHARS = 16 * 1024;
const clip = (text: string) =>
  text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}… [truncated]` : text;

/**
 * Docker's RFC 3339 times trim trailing zeros of the fraction ("05.1Z" vs "05.12Z"), so they
 * only compare as text once the fraction is padded to nanoseconds.
 */
export function timeKey(time: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}`;
}

const byTime = (a: LogLine, b: LogLine) => {
  const ka = timeKey(a.time);
  const kb = timeKey(b.time);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/**
 * Streams one service's log, or all of an instance's services merged, into a flow-controlled
 * sink. Docker sends each container's log on its own HTTP stream; when the sink says it is
 * full we pause every one of them (TCP back-pressure then reaches dockerd), and resume on drain.
 * Without `follow`, the tails are merged in time order and the sink ends.
 */
export function followLogs(
  engine: DockerEngine,
  project: string,
  options: FollowOptions,
  sink: LogSink,
  /** Resolves at the next Docker event of the project (or after `ms`): lets follow outlive restarts. */
  waitForChange?: (ms: number) => Promise<void>,
): { cancel(): void } {
  const streams: IncomingMessage[] = [];
  const files: JsonFileFollower[] = [];
  // How the lines in hand were read: "engine" as soon as one container is read through dockerd.
  let source: LogSource = 'file';
  let cancelled = false;
  let paused = false;
  let ended = false;
  let endRequested: { error?: { code: string; message: string } } | undefined;
  // Lines waiting for the sink, in the order they go out.
  let pending: LogLine[] = [];
  let batch: LogLine[] = [];
  let flushScheduled = false;

  const end = (error?: { code: string; message: string }) => {
    if (ended || cancelled || endRequested) return;
    endRequested = error ? { error } : {};
    if (error) pending = [];
    drain();
  };
  const resume = () => {
    if (!paused || cancelled) return;
    paused = false;
    for (const s of streams) s.resume();
    for (const f of files) f.resume();
    drain();
  };
  sink.onDrain(resume);

  /** Hands pending lines to the sink in bounded chunks until it says stop. */
  function drain() {
    while (pending.length > 0 && !paused && !cancelled) {
      const chunk = takeChunk();
      if (!sink.write(chunk, source)) {
        paused = true;
        for (const s of streams) s.pause();
      }
    }
    if (pending.length === 0 && endRequested && !ended && !cancelled) {
      ended = true;
      for (const s of streams) s.destroy();
      for (const f of files) f.cancel();
      sink.end(endRequested.error);
    }
  }
  // One notification stays far below the protocol's 1 MiB line limit.
  function takeChunk(): LogLine[] {
    let bytes = 0;
    let n = 0;
    while (n < pending.length && n < MAX_LINES_PER_BATCH && bytes < MAX_BATCH_BYTES) {
      bytes += (pending[n] as LogLine).text.length + 64;
      n += 1;
    }
    return pending.splice(0, n);
  }
  function flush() {
    flushScheduled = false;
    if (batch.length === 0 || cancelled) return;
    pending.push(...batch.sort(byTime));
    batch = [];
    drain();
  }
  // Lines that arrive in the same tick from several containers go out as one batch.
  const queue = (lines: LogLine[]) => {
    batch.push(...lines);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  /** True once the container runs again; false when it is gone or the follow was cancelled. */
  async function runningAgain(id: string): Promise<boolean> {
    while (!cancelled && !ended && waitForChange) {
      const info = await engine.inspectContainer(id).catch(() => undefined);
      if (!info) return false;
      if (info.State.Running) return true;
      await waitForChange(5_000);
    }
    return false;
  }

  /**
   * Follows (or reads) the container's json-file log from disk; false when it cannot (another
   * log driver, no permission), and the Engine API takes over. Resolves when the file is done.
   */
  async function readLogFile(
    info: Awaited<ReturnType<DockerEngine['inspectContainer']>>,
    service: string,
    raw: boolean,
    collected: BoundedTail[],
  ): Promise<boolean> {
    const driver = info.HostConfig.LogConfig?.Type ?? 'json-file';
    if (driver !== 'json-file' || !info.LogPath || cancelled || ended) return false;
    const kept = new BoundedTail();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let follower: JsonFileFollower;
    try {
      follower = await JsonFileFollower.start(
        { path: info.LogPath, tail: options.tail, follow: options.follow === true },
        {
          records: (run) => {
            if (cancelled || ended) return true;
            if (raw && sink.writeRecords) {
              if (!sink.writeRecords(service, run)) paused = true;
              return !paused;
            }
            const lines = parseRecords(service, run).map((l) => ({ ...l, text: clip(l.text) }));
            if (options.follow) queue(lines);
            else kept.push(lines);
            return !paused;
          },
          end: () => done(),
        },
      );
    } catch {
      return false;
    }
    if (cancelled || ended) follower.cancel();
    files.push(follower);
    collected.push(kept);
    await finished;
    files.splice(files.indexOf(follower), 1);
    return true;
  }

  void (async () => {
    const containers = (await engine.listContainers({ project, all: true })).filter(
      (c) =>
        c.Labels[COMPOSE_SERVICE_LABEL] &&
        (!options.service || c.Labels[COMPOSE_SERVICE_LABEL] === options.service),
    );
    if (containers.length === 0) {
      end({
        code: ErrorCode.NOT_FOUND,
        message: options.service
          ? `This instance has no container for service "${options.service}".`
          : 'This instance has no containers (is it deleted or never started?).',
      });
      return;
    }
    let open = containers.length;
    const collected: BoundedTail[] = [];
    await Promise.all(
      containers.map(async (c) => {
        const service = c.Labels[COMPOSE_SERVICE_LABEL] as string;
        const info = await engine.inspectContainer(c.Id);
        const raw =
          options.follow === true &&
          options.format === 'records' &&
          sink.writeRecords !== undefined &&
          containers.length === 1;
        if (await readLogFile(info, service, raw, collected)) {
          open -= 1;
          return;
        }
        source = 'engine';
        let last = '';
        let first = true;
        const kept = new BoundedTail();
        collected.push(kept);
        // Docker ends a follow stream when the container stops; a restarted container (crash,
        // restart policy, our restart) is picked up again from where its log left off.
        for (;;) {
          const res = await engine.logs(c.Id, {
            tail: first ? options.tail : undefined,
            follow: options.follow,
            since: first ? undefined : Math.floor(Date.parse(last) / 1000) || undefined,
          });
          if (cancelled || ended) {
            res.destroy();
            break;
          }
          streams.push(res);
          if (paused) res.pause();
          const demux = new FrameDemuxer(info.Config.Tty);
          const lastKey = first ? '' : timeKey(last);
          const toLines = (raw: ReturnType<FrameDemuxer['push']>): LogLine[] => {
            const out: LogLine[] = [];
            for (const l of raw) {
              // `since` has second resolution: skip what the previous stream already sent.
              if (lastKey && l.time && timeKey(l.time) <= lastKey) continue;
              out.push({ service, stream: l.stream, time: l.time, text: clip(l.text) });
            }
            const tail = out[out.length - 1];
            if (tail?.time) last = tail.time;
            return out;
          };
          res.on('data', (chunk: Buffer) => {
            const lines = toLines(demux.push(chunk));
            if (lines.length === 0) return;
            if (options.follow) queue(lines);
            else kept.push(lines);
          });
          await new Promise<void>((resolve) => {
            res.on('close', resolve);
            res.on('error', () => resolve());
          });
          streams.splice(streams.indexOf(res), 1);
          const rest = toLines(demux.flush());
          if (options.follow) queue(rest);
          else kept.push(rest);
          first = false;
          if (!options.follow || cancelled || ended || !waitForChange) break;
          if (!(await runningAgain(c.Id))) break;
        }
        open -= 1;
      }),
    );
    if (!options.follow) for (const t of collected) batch.push(...t.take());
    flush();
    if (open === 0) end();
  })().catch((err: unknown) => end(describeError(err)));

  return {
    cancel() {
      cancelled = true;
      for (const s of streams) s.destroy();
      for (const f of files) f.cancel();
    },
  };
}
