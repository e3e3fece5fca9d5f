import { ErrorCode } from '@protocol/error-codes';

/**
 * A failure the caller can understand: a stable code, a sentence for a person (with what to do
 * next) and optional facts. Every layer's error (AgentError, LifecycleError, DockerError,
 * StackError) extends this one class, so the wire, an instance's recorded failure and a
 * progress event all keep the real code instead of turning it into INTERNAL.
 */
export class CodedError extends Error {
  readonly data: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.data = data;
  }
}

/** The control plane's refusals (rights, names, limits, states). */
export class AgentError extends CodedError {}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * The coded form of any thrown value, or undefined for what is not ours to explain (Node's own
 * errors carry codes like ENOENT, which are not in the catalogue and stay INTERNAL).
 */
export function asCodedError(error: unknown): CodedError | undefined {
  if (error instanceof CodedError) return error;
  if (!(error instanceof Error)) return undefined;
  const { code, data } = error as Error & { code?: unknown; data?: unknown };
  if (typeof code !== 'string' || !KNOWN_CODES.has(code)) return undefined;
  const facts = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  return new CodedError(code as ErrorCode, error.message, facts);
}

/** Any thrown value → `{code, message}` for progress events and an instance's failure record. */
export function describeError(error: unknown): { code: ErrorCode; message: string } {
  const coded = asCodedError(error);
  if (coded) return { code: coded.code, message: coded.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCode.INTERNAL, message: `Unexpected failure: ${message}` };
}
