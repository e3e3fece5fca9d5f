/**
 * Log text comes from containers, and anyone who can make a service log something (an API
 * client, a crafted request) controls it. Written to xterm as is, escape sequences in it could
 * clear the screen, move the cursor to overwrite earlier lines, forge entries, retitle the
 * window, write the clipboard or plant OSC 8 links whose text differs from their target
 * (security review, finding 22).
 *
 * What survives: printable text, tab, newline, and SGR colour/style sequences (services colour
 * their levels), minus SGR 8 "conceal". Everything else goes: other CSI sequences, OSC/DCS/
 * SOS/PM/APC strings with their payload (an OSC 8 link keeps only its visible text, which the
 * link addon then shows as the real address), other ESC sequences, every other C0 control
 * (carriage return and backspace included) and all 8-bit C1 controls.
 *
 * Hand-written rather than a strip-ansi style library: those remove SGR too, and none leaves
 * colour while dropping the rest.
 */
export function neutraliseTerminalControls(text: string): string {
  // Most log lines have no control character at all: skip the scan for them.
  if (!HAS_CONTROL.test(text)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === ESC) {
      const end = escapeEnd(text, i);
      const seq = text.slice(i, end);
      if (SGR.test(seq)) out += `\x1b[${safeSgrParams(seq.slice(2, -1))}m`;
      i = end;
    } else if (c === TAB || c === LF || (c >= 0x20 && c < 0x7f) || c > 0x9f) {
      out += text[i];
      i++;
    } else {
      i++; // C0 (CR, BS, BEL, NUL…), DEL, or a C1 control such as 8-bit CSI/OSC/DCS
    }
  }
  return out;
}

const ESC = 0x1b;
const TAB = 0x09;
const LF = 0x0a;
const BEL = 0x07;
const ST_8BIT = 0x9c;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HAS_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
/** ESC [ params m, with only digits and ; : as parameters (no private or intermediate bytes). */
// eslint-disable-next-line no-control-regex -- an SGR sequence starts with ESC
const SGR = /^\x1b\[[0-9;:]*m$/;
/** ESC ] OSC, ESC P DCS, ESC X SOS, ESC ^ PM, ESC _ APC: a string up to BEL or ST. */
const STRING_INTRODUCERS = new Set([']', 'P', 'X', '^', '_']);

/** Index just past the escape sequence starting at `start` (an ESC). */
function escapeEnd(text: string, start: number): number {
  const next = text[start + 1];
  if (next === undefined) return start + 1;
  if (next === '[') {
    let j = start + 2;
    // Parameter (0x30-0x3F) and intermediate (0x20-0x2F) bytes, then one final byte.
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x3f) j++;
    const final = text.charCodeAt(j);
    return final >= 0x40 && final <= 0x7e ? j + 1 : j;
  }
  if (STRING_INTRODUCERS.has(next)) {
    for (let j = start + 2; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === BEL || c === ST_8BIT) return j + 1;
      if (c === ESC && text[j + 1] === '\\') return j + 2;
    }
    // Unterminated: a terminal would swallow everything after it, so drop the rest.
    return text.length;
  }
  let j = start + 1;
  // nF escapes such as ESC ( B: intermediates, then a final byte.
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  return Math.min(j + 1, text.length);
}

/** SGR parameters without 8 (conceal); 8 inside a 38/48/58 colour argument is a colour. */
function safeSgrParams(params: string): string {
  const parts = params.split(';');
  const kept: string[] = [];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    if (
      (p === '38' || p === '48' || p === '58') &&
      (parts[k + 1] === '5' || parts[k + 1] === '2')
    ) {
      const take = parts[k + 1] === '5' ? 3 : 5;
      kept.push(...parts.slice(k, k + take));
      k += take - 1;
    } else if (p.includes(':') || Number(p) !== 8 || p === '') {
      kept.push(p);
    }
  }
  return kept.join(';');
}
