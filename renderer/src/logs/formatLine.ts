import type { LogLine } from '@contract/api';
import { neutraliseTerminalControls } from './sanitize';
import { hangingIndent } from './wrap';

/** Like `docker compose logs`: each service keeps one colour so interleaved lines stay readable. */
const SERVICE_COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export function serviceColour(service: string): number {
  let h = 0;
  for (let i = 0; i < service.length; i++) h = (h * 31 + service.charCodeAt(i)) >>> 0;
  return SERVICE_COLOURS[h % SERVICE_COLOURS.length]!;
}

function clock(time: string): string {
  // RFC 3339 → HH:MM:SS; anything else is shown as it came.
  const m = /T(\d\d:\d\d:\d\d)/.exec(time);
  return m ? m[1]! : time;
}

/**
 * One terminal line: dim time, coloured service, then the text as the service wrote it (its own
 * ANSI colours pass through). xterm needs CRLF; a bare LF would only move down a row.
 */
export function formatLogLine(line: LogLine, withService: boolean, columns?: number): string {
  // CRLF inside a line is a line break; any other control is neutralised (finding 22).
  const message = neutraliseTerminalControls(
    line.text.replace(/\r?\n$/, '').replace(/\r\n/g, '\n'),
  );
  const name = neutraliseTerminalControls(line.service).replace(/\n/g, ' ');
  const time = clock(line.time);
  // Continuation rows start under the message; the prefix is time, marker, service and "│ ".
  const indent = time.length + 1 + (withService ? Math.max(10, name.length) + 2 : 0);
  const width = columns !== undefined && columns - indent >= 20 ? columns - indent : 0;
  const text = hangingIndent(message, width, indent);
  // Few style changes per line: each SGR costs xterm's parser, and each colour change costs the
  // DOM renderer a <span> per row (a flood redraws every row each frame). The line opens with a
  // full reset, so a colour or bold a message left on stays out of the next line's prefix; the
  // marker's space stays in the time's colour (one span), and the text goes back to the default
  // colour with SGR 39, which leaves nothing else to reset after the reset at the start.
  const err = line.stream === 'stderr' ? '\x1b[31m!' : ' ';
  const service = withService
    ? `\x1b[${serviceColour(line.service)}m${name.padEnd(10)}\x1b[39m│ `
    : '\x1b[39m';
  // Bright black, not dim: dim text fell to 3.25:1 in the light theme.
  return `\x1b[0;90m${time}${err}${service}${text}\r\n`;
}

/** Plain text for the download: no colours, one line per entry. */
export function plainLogLine(line: LogLine): string {
  return `${line.time} ${line.service} ${line.stream} ${line.text.replace(/\r?\n$/, '')}\n`;
}
