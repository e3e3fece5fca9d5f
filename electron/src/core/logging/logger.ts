import type { Redactor } from '@common/redact';

/** Structured log sink. The core never prints: it hands records to whoever embeds it. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * A logger that redacts every record before passing it on, with the policy the agent uses too;
 * the redactor knows the secrets the core touched (for as long as the core lives).
 */
export function createRedactingLogger(inner: Logger, redactor: Redactor): Logger {
  const fields = (f: Record<string, unknown> | undefined) =>
    f && (redactor.redact(f) as Record<string, unknown>);
  return {
    info: (m, f) => inner.info(redactor.redactText(m), fields(f)),
    warn: (m, f) => inner.warn(redactor.redactText(m), fields(f)),
    error: (m, f) => inner.error(redactor.redactText(m), fields(f)),
  };
}
