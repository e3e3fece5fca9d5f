/** Structured log sink. The core never prints: it hands records to whoever embeds it. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

const SECRET_KEY_RE = /pass(word|phrase)?|secret|token|key$|privatekey|credential/i;

/**
 * Drops anything that looks like a secret from log fields, by key name and by known value.
 * The known values are the secrets the core touched (kept only as long as the guard lives).
 */
export function redactFields(
  fields: Record<string, unknown> | undefined,
  known: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redactText(value, known);
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY_RE.test(k) && typeof v === 'string' ? '[redacted]' : scrub(v, depth + 1);
    }
    return out;
  };
  return scrub(fields, 0) as Record<string, unknown>;
}

export function redactText(text: string, known: ReadonlySet<string>): string {
  let out = text;
  for (const secret of known) {
    // Short strings would redact ordinary words; the core's secrets are never this short.
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** A logger that redacts every record before passing it on. */
export function createRedactingLogger(inner: Logger, known: ReadonlySet<string>): Logger {
  return {
    info: (m, f) => inner.info(redactText(m, known), redactFields(f, known)),
    warn: (m, f) => inner.warn(redactText(m, known), redactFields(f, known)),
    error: (m, f) => inner.error(redactText(m, known), redactFields(f, known)),
  };
}
