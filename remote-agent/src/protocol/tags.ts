/**
 * Project tags: short labels a team puts on a project so a fleet of hundreds can be sliced by
 * client and environment (`cliente:acme`, `env:staging`). One rule for the agent (which stores
 * them), the desktop and the CLI (which check before sending), so all three refuse alike.
 */

/** Most tags one project may carry: enough for client, environment, plan, team and a few more. */
export const TAGS_MAX = 16;
/** A key (before `:`) of at most 32 characters, a value of at most 64. */
export const TAG_KEY_MAX = 32;
export const TAG_VALUE_MAX = 64;

// Lowercase letters of any script (a Brazilian client may be `cliente:são-paulo`), digits and
// `_ . -`, starting with a letter or digit; one optional `:` between a key and a value.
const PART = String.raw`[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}\p{M}_.-]*`;
const TAG_RE = new RegExp(`^(${PART})(?::(${PART}))?$`, 'u');

export type TagProblem = 'empty' | 'format' | 'too-long' | 'too-many';

export type TagsCheck =
  { ok: true; tags: string[] } | { ok: false; problem: TagProblem; tag?: string; reason: string };

/** The canonical form of one tag: trimmed, Unicode NFC, lowercase. */
export function normalizeTag(tag: string): string {
  return tag.trim().normalize('NFC').toLowerCase();
}

/**
 * Normalises, de-duplicates and sorts a project's tags, or says which one is wrong and why
 * (the reason is English; callers localise by `problem`).
 */
export function checkTags(input: readonly string[]): TagsCheck {
  const out = new Set<string>();
  for (const raw of input) {
    const tag = normalizeTag(raw);
    if (tag === '') return { ok: false, problem: 'empty', reason: 'A tag cannot be empty.' };
    const m = TAG_RE.exec(tag);
    if (!m) {
      return {
        ok: false,
        problem: 'format',
        tag,
        reason:
          `"${tag}" is not a tag: use lowercase letters, digits, "_", "." and "-", ` +
          'optionally a key and a value joined by ":" (cliente:acme, env:staging).',
      };
    }
    if ([...m[1]!].length > TAG_KEY_MAX || [...(m[2] ?? '')].length > TAG_VALUE_MAX) {
      return {
        ok: false,
        problem: 'too-long',
        tag,
        reason: `"${tag}" is too long: at most ${TAG_KEY_MAX} characters before ":" and ${TAG_VALUE_MAX} after.`,
      };
    }
    out.add(tag);
  }
  if (out.size > TAGS_MAX) {
    return {
      ok: false,
      problem: 'too-many',
      reason: `A project may carry at most ${TAGS_MAX} tags (${out.size} given).`,
    };
  }
  return { ok: true, tags: [...out].sort() };
}

/** True when the instance's tags match a filter tag: `cliente:acme` exactly, or `cliente` as a key. */
export function hasTag(tags: readonly string[] | undefined, filter: string): boolean {
  if (!tags) return false;
  const f = normalizeTag(filter);
  return tags.some((t) => t === f || (!f.includes(':') && t.startsWith(`${f}:`)));
}
