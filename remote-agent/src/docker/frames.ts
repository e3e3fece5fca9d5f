import { StringDecoder } from 'node:string_decoder';

/**
 * Docker's log stream for a container without a TTY multiplexes stdout and stderr into frames:
 * an 8-byte header (stream type, 3 zero bytes, big-endian payload length) then the payload.
 * Frames do not align with lines or with the chunks the socket delivers, so both splitters keep
 * what is left over between calls.
 */
export type StdStream = 'stdout' | 'stderr';

export interface RawLogLine {
  stream: StdStream;
  /** RFC 3339 timestamp Docker prefixed (we always ask for `timestamps=1`); '' if absent. */
  time: string;
  text: string;
}

const HEADER = 8;

export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<StdStream, string> = { stdout: '', stderr: '' };
  // A UTF-8 character can straddle two frames; one decoder per stream keeps it whole.
  private readonly decoders: Record<StdStream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };

  /** `tty`: a TTY container sends raw bytes (all stdout), no frame headers. */
  constructor(private readonly tty = false) {}

  push(chunk: Buffer): RawLogLine[] {
    const out: RawLogLine[] = [];
    if (this.tty) {
      this.takeText('stdout', this.decoders.stdout.write(chunk), out);
      return out;
    }
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= HEADER) {
      const size = buf.readUInt32BE(4);
      if (buf.length < HEADER + size) break;
      const kind = buf[0] === 2 ? 'stderr' : 'stdout';
      this.takeText(kind, this.decoders[kind].write(buf.subarray(HEADER, HEADER + size)), out);
      buf = buf.subarray(HEADER + size);
    }
    this.pending = Buffer.from(buf);
    return out;
  }

  /** Lines still without a newline when the stream ends. */
  flush(): RawLogLine[] {
    const out: RawLogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) out.push(splitTimestamp(stream, this.partial[stream]));
      this.partial[stream] = '';
    }
    return out;
  }

  private takeText(stream: StdStream, text: string, out: RawLogLine[]): void {
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) out.push(splitTimestamp(stream, line));
  }
}

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;

export function splitTimestamp(stream: StdStream, line: string): RawLogLine {
  const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
  const m = TS.exec(clean);
  if (!m || !m[1]) return { stream, time: '', text: clean };
  return { stream, time: m[1], text: clean.slice(m[0].length) };
}

/** Splits a byte stream of concatenated JSON documents, one per line (pulls, events). */
export class JsonLines<T> {
  private rest = '';

  push(chunk: Buffer | string): T[] {
    const lines = (this.rest + chunk.toString()).split('\n');
    this.rest = lines.pop() ?? '';
    const out: T[] = [];
    for (const line of lines) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      try {
        out.push(JSON.parse(trimmed) as T);
      } catch {
        // A line that is not JSON (a proxy's error page, say) carries nothing we can act on.
      }
    }
    return out;
  }
}
