import type { LogLine, LogRecord } from '@protocol/types';

/**
 * Docker's json-file driver writes one JSON object per line, always in this shape (its own
 * marshaller, not a generic one): {"log":"…\n","stream":"stdout","time":"2026-…Z"}. The agent
 * ships those lines to the desktop as they are, embedded in its JSON-RPC message, so a line
 * that is not a whole record (a write torn by a crash or a full disk) would break the whole
 * message: `isWholeRecord` is the cheap check that keeps such a line out, without parsing.
 */
const RECORD_START = Buffer.from('{"log":"');
const RECORD_END = 0x7d; // }

/**
 * True when `line` (without its newline) is one complete record. Inside the "log" string every
 * quote is escaped, so the unescaped opening `{"log":"` can appear again only where a torn
 * write was followed by the next record.
 */
export function isWholeRecord(line: Buffer): boolean {
  return (
    line.length > RECORD_START.length + 1 &&
    line[line.length - 1] === RECORD_END &&
    line.subarray(0, RECORD_START.length).equals(RECORD_START) &&
    line.indexOf(RECORD_START, 1) === -1
  );
}

/** A record as a log line of `service`: the record's final newline is not part of the text. */
export function recordToLine(service: string, r: LogRecord): LogLine {
  const text = r.log.endsWith('\n') ? r.log.slice(0, r.log.endsWith('\r\n') ? -2 : -1) : r.log;
  return { service, stream: r.stream === 'stderr' ? 'stderr' : 'stdout', time: r.time, text };
}

/** Parses whole records (lines already split and checked); lines that do not parse are skipped. */
export function parseRecords(service: string, lines: readonly Buffer[]): LogLine[] {
  const out: LogLine[] = [];
  for (const line of lines) {
    try {
      out.push(recordToLine(service, JSON.parse(line.toString('utf8')) as LogRecord));
    } catch {
      // A torn line: nothing to show.
    }
  }
  return out;
}

/**
 * A `records` batch (protocol LogBatch) as JSON text, built around the lines as they are: the
 * records are never parsed or encoded on the agent.
 */
export function encodeRecordBatch(
  service: string,
  lines: readonly Buffer[],
  bytes: number,
): Buffer {
  const head = Buffer.from(`{"source":"file","service":${JSON.stringify(service)},"records":[`);
  const out = Buffer.allocUnsafe(head.length + bytes + Math.max(0, lines.length - 1) + 2);
  let at = head.copy(out, 0);
  lines.forEach((line, i) => {
    if (i > 0) out[at++] = 0x2c; // ,
    at += line.copy(out, at);
  });
  out[at++] = 0x5d; // ]
  out[at++] = 0x7d; // }
  return out;
}
