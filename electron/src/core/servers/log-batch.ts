import type { LogBatch, LogLine, LogRecord, LogSource } from '@protocol/types';

/** A record's final newline is not part of the line. */
function recordText(log: string): string {
  if (!log.endsWith('\n')) return log;
  return log.slice(0, log.endsWith('\r\n') ? -2 : -1);
}

/**
 * The lines of one `logs.follow` batch, whichever format the agent sent: plain `LogLine[]`
 * (older agents, reads without follow) or a `LogBatch` (`format: "records"`), whose json-file
 * records came straight from the container's log file. `source` is undefined for plain lines.
 */
export function linesOfBatch(data: LogLine[] | LogBatch | undefined): {
  lines: LogLine[];
  source: LogSource | undefined;
} {
  if (data === undefined) return { lines: [], source: undefined };
  if (Array.isArray(data)) return { lines: data, source: undefined };
  if ('records' in data) {
    const { service } = data;
    const lines = (data.records ?? []).map((r: LogRecord): LogLine => ({
      service,
      stream: r.stream === 'stderr' ? 'stderr' : 'stdout',
      time: r.time,
      text: recordText(r.log),
    }));
    return { lines, source: 'file' };
  }
  return { lines: data.lines ?? [], source: data.source };
}
