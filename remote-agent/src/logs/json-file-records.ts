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

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/**
 * Whole records, oldest first, as the inside of a JSON array (`{…},{…}`): what a `records`
 * batch embeds. Kept as one buffer rather than a buffer per record, so a flood costs no
 * allocation per line on the agent.
 */
export interface RecordRun {
  joined: Buffer;
  count: number;
}

/**
 * Turns the complete lines of `data` (json-file text, each line ending with a newline) into a
 * `RecordRun`, in place: the newline between two whole records becomes a comma, and lines that
 * are not whole records (as `isWholeRecord`) are cut out. `joined` is `data.subarray(0, length)`;
 * `rest` is where the unfinished last line starts. The same checks as `isWholeRecord`, made by
 * position in the chunk (two native searches per line, no buffer per line).
 */
export function joinRecords(data: Buffer): { length: number; count: number; rest: number } {
  let out = 0;
  let count = 0;
  let start = 0;
  // The next `{"log":"` at or after `start`: a whole record begins there and has no other inside.
  let nextRecord = data.indexOf(RECORD_START, 0);
  for (;;) {
    const nl = data.indexOf(NEWLINE, start);
    if (nl === -1) break;
    if (nextRecord !== -1 && nextRecord < start) nextRecord = data.indexOf(RECORD_START, start);
    const whole =
      nextRecord === start &&
      nl - start > RECORD_START.length + 1 &&
      data[nl - 1] === RECORD_END &&
      ((nextRecord = data.indexOf(RECORD_START, start + 1)) === -1 || nextRecord > nl);
    if (whole) {
      if (count > 0) data[out++] = COMMA;
      // Only after a cut line does the record move: otherwise `out` is `start` already.
      if (out !== start) data.copyWithin(out, start, nl);
      out += nl - start;
      count += 1;
    }
    start = nl + 1;
  }
  return { length: out, count, rest: start };
}

/** The records of a run, one buffer each (for the paths that parse them on the agent). */
export function splitRun(run: RecordRun): Buffer[] {
  const out: Buffer[] = [];
  const { joined } = run;
  let start = 0;
  // Between two whole records there is exactly `},{"log":"`; inside one it cannot occur.
  for (;;) {
    const at = joined.indexOf(SEPARATOR, start);
    if (at === -1) break;
    out.push(joined.subarray(start, at + 1));
    start = at + 2;
  }
  if (joined.length > start) out.push(joined.subarray(start));
  return out;
}
const SEPARATOR = Buffer.from('},{"log":"');

/** A record as a log line of `service`: the record's final newline is not part of the text. */
export function recordToLine(service: string, r: LogRecord): LogLine {
  const text = r.log.endsWith('\n') ? r.log.slice(0, r.log.endsWith('\r\n') ? -2 : -1) : r.log;
  return { service, stream: r.stream === 'stderr' ? 'stderr' : 'stdout', time: r.time, text };
}

/** Parses whole records (already checked); records that do not parse are skipped. */
export function parseRecords(service: string, run: RecordRun): LogLine[] {
  const out: LogLine[] = [];
  for (const line of splitRun(run)) {
    try {
      out.push(recordToLine(service, JSON.parse(line.toString('utf8')) as LogRecord));
    } catch {
      // A torn line: nothing to show.
    }
  }
  return out;
}

/**
 * A `records` batch (protocol LogBatch) as JSON text, built around the records as they are:
 * they are never parsed or encoded on the agent. In parts, joined once when the message is
 * written (rpc/connection.ts), so a flood's bytes are copied once on their way out.
 */
export function recordBatchParts(service: string, run: RecordRun): Buffer[] {
  return [
    Buffer.from(`{"source":"file","service":${JSON.stringify(service)},"records":[`),
    run.joined,
    BATCH_END,
  ];
}
const BATCH_END = Buffer.from(']}');

/** `recordBatchParts` as one buffer. */
export function encodeRecordBatch(service: string, run: RecordRun): Buffer {
  return Buffer.concat(recordBatchParts(service, run));
}
