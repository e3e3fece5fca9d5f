/**
 * The redaction policy shared by the agent and the desktop core: values under secret-sounding
 * keys are replaced, and any registered secret value is cut out of every string, wherever a
 * careless caller put it (an error message quoting a connection string, a command line, …).
 * Both ends use the defaults, so a secret is hidden by the same rules wherever it is logged.
 */
export const REDACTED = '[redacted]';

/**
 * Keys whose values are secrets whatever they hold. `key` only at the end of a name (`anonKey`,
 * `SERVICE_ROLE_KEY`, `keys`): `keyPath` or `keyType` name a file or a kind, which the desktop
 * must be able to show.
 */
export const SECRET_KEY =
  /pass(word|phrase)?|secret|token|keys?$|privatekey|authorization|credential|cookie|signature/i;

export interface RedactOptions {
  /** Values under keys matching this are replaced. */
  secretKey?: RegExp;
  /** Registered values shorter than this are ignored (they would redact ordinary words). */
  minSecretLength?: number;
  /** The oldest registered value is forgotten past this many. */
  maxSecrets?: number;
  /** Objects nested deeper than this are passed through as they are. */
  maxDepth?: number;
  placeholder?: string;
  /**
   * Under a secret key, only strings are replaced; numbers, booleans and null are kept (a
   * `passwordChanged: true` or a `keyCount: 3` is no secret). When false, anything non-null is.
   */
  onlyStrings?: boolean;
}

const DEFAULTS: Required<RedactOptions> = {
  secretKey: SECRET_KEY,
  // A person's SSH password can be this short; the agent's generated secrets are far longer.
  minSecretLength: 4,
  maxSecrets: 10_000,
  maxDepth: 6,
  placeholder: REDACTED,
  onlyStrings: false,
};

export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly options: Required<RedactOptions>;

  constructor(options: RedactOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Registers a value that must never appear in redacted output. Short values are ignored. */
  addSecret(value: string): void {
    if (value.length < this.options.minSecretLength) return;
    if (this.secrets.size >= this.options.maxSecrets) {
      const oldest = this.secrets.values().next().value;
      if (oldest !== undefined) this.secrets.delete(oldest);
    }
    this.secrets.add(value);
  }

  redact(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (depth > this.options.maxDepth || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] =
        this.options.secretKey.test(key) && this.isSecretShaped(v)
          ? this.options.placeholder
          : this.redact(v, depth + 1);
    }
    return out;
  }

  /** `text` with every registered secret replaced. */
  redactText(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(this.options.placeholder);
    }
    return out;
  }

  private isSecretShaped(value: unknown): boolean {
    if (this.options.onlyStrings) return typeof value === 'string';
    return value !== null && typeof value !== 'boolean' && typeof value !== 'number';
  }
}
