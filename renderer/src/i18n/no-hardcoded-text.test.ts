import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every user-facing string goes through the catalogues. This scan catches the usual slips in
// components: words as JSX text, and words in the attributes people read (title, label,
// placeholder, aria-label, hint, body, alt). Brand names and sample input are allowed.
const ROOT = new URL('..', import.meta.url).pathname;
const ALLOWED = new Set(['Ultrabase', 'U', 'acme-staging', 'production-eu']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.tsx') && !path.endsWith('.test.tsx') ? [path] : [];
  });
}

describe('renderer components', () => {
  it('hold no user-facing English outside the catalogues', () => {
    const found: string[] = [];
    for (const file of sources(ROOT)) {
      const code = readFileSync(file, 'utf8');
      const text = [
        ...code.matchAll(/(?<![=-])>\s*([A-Za-z][A-Za-z ,.'’!?…-]*[A-Za-z.…!?])\s*</g),
      ].map((m) => m[1]!);
      const attrs = [
        ...code.matchAll(
          /\b(?:title|label|placeholder|aria-label|hint|body|alt)="([^"]*[A-Za-z][^"]*)"/g,
        ),
      ].map((m) => m[1]!);
      for (const s of [...text, ...attrs])
        if (!ALLOWED.has(s.trim())) found.push(`${relative(ROOT, file)}: ${s.trim()}`);
    }
    expect(found).toEqual([]);
  });
});
