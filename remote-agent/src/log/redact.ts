/**
 * The last guard before a log line is written: values under secret-sounding keys are replaced,
 * and any registered secret value is cut out of every string, wherever a careless caller put it
 * (an error message quoting a connection string, a command line, …).
 */
const SECRET_KEY = /pass(word)?|secret|token|key|authorization|credential|cookie|signature/i;
const MAX_SECRETS = 10_000;
const MIN_SECRET_LENGTH = 6;
export const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a value that must never appear in a log line. Short values are ignored. */
  addSecret(value: string): void {
    if (value.length < MIN_SECRET_LENGTH) return;
    if (this.secrets.size >= MAX_SECRETS) {
      const oldest = this.secrets.values().next().value;
      if (oldest !== undefined) this.secrets.delete(oldest);
    }
    this.secrets.add(value);
  }

  redact(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 6 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] =
        SECRET_KEY.test(key) && v !== null && typeof v !== 'boolean' && typeof v !== 'number'
          ? REDACTED
          : this.redact(v, depth + 1);
    }
    return out;
  }

  private scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }
}
