/**
 * Wraps a log line's text for the terminal so that continuation rows start under the message,
 * not at column 0 where they read as new entries (ux review, logs). `text` is already
 * neutralised: only SGR sequences, tabs and newlines remain. Rows are joined with CRLF.
 *
 * Widths follow what xterm draws: SGR is zero-wide, combining marks 0, East Asian wide
 * characters and emoji 2, tabs to the next multiple of 8 within the message.
 */
export function hangingIndent(text: string, width: number, indent: number): string {
  const pad = ' '.repeat(indent);
  const rows: string[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const lead = n === 0 ? '' : pad;
    if (PLAIN.test(line)) {
      // The common case, ASCII without escapes: cut by length.
      if (line.length <= width || width < 1) rows.push(lead + line);
      else
        for (let i = 0; i < line.length; i += width)
          rows.push((i === 0 ? lead : pad) + line.slice(i, i + width));
      continue;
    }
    // Coloured ASCII that fits (most coloured log lines) stays as it is, without the walk
    // character by character below: in a 100,000-line flood that walk (and the garbage it left)
    // cost about a third of xterm's parse of the same lines.
    const visible = line.replace(SGR_ALL, '');
    if ((width < 1 || visible.length <= width) && PLAIN.test(visible)) {
      rows.push(lead + line);
      continue;
    }
    rows.push(...wrapRich(line, width, pad, lead));
  }
  return rows.join('\r\n');
}

// Plain: printable ASCII only (no ESC, no tab, nothing wide).
const PLAIN = /^[\x20-\x7e]*$/;
// eslint-disable-next-line no-control-regex -- an SGR sequence starts with ESC
const SGR = /\x1b\[[0-9;:]*m/y;
const MARK = /\p{M}/u;
// eslint-disable-next-line no-control-regex -- an SGR sequence starts with ESC
const SGR_ALL = /\x1b\[[0-9;:]*m/g;

function wrapRich(line: string, width: number, pad: string, lead: string): string[] {
  const rows: string[] = [];
  let row = lead;
  let col = 0;
  let i = 0;
  while (i < line.length) {
    SGR.lastIndex = i;
    const sgr = SGR.exec(line);
    if (sgr) {
      row += sgr[0];
      i += sgr[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (ch === '\t') {
      for (let s = 8 - (col % 8); s > 0; s--) ({ row, col } = put(' ', 1, row, col));
      continue;
    }
    ({ row, col } = put(ch, MARK.test(ch) ? 0 : isWide(cp) ? 2 : 1, row, col));
  }
  rows.push(row);
  return rows;

  function put(ch: string, w: number, r: string, c: number): { row: string; col: number } {
    if (width >= 1 && c + w > width) {
      rows.push(r);
      return { row: pad + ch, col: w };
    }
    return { row: r + ch, col: c + w };
  }
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
