import { ErrorCode, JsonRpcCode, type ErrorData } from './protocol/errors';

/**
 * A failure the caller can understand: a stable code, a sentence for a person and optional facts.
 * Everything else thrown inside the agent is reported as INTERNAL without details, so no stack
 * trace or secret ever reaches the wire.
 */
export class AgentError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export function isAgentError(error: unknown): error is AgentError {
  return error instanceof AgentError;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Errors from other layers (StackError, LifecycleError, DockerError) share AgentError's shape:
 * an Error whose `code` is a stable ErrorCode and whose message is written for a person.
 * Node's own errors have codes like ENOENT, which are not in the set and stay INTERNAL.
 */
export function asCodedError(error: unknown): AgentError | undefined {
  if (error instanceof AgentError) return error;
  if (!(error instanceof Error)) return undefined;
  const { code, data } = error as Error & { code?: unknown; data?: unknown };
  if (typeof code !== 'string' || !KNOWN_CODES.has(code)) return undefined;
  const facts = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  return new AgentError(code as ErrorCode, error.message, facts);
}

const numericCodes: Partial<Record<ErrorCode, number>> = {
  PARSE_ERROR: JsonRpcCode.PARSE_ERROR,
  INVALID_REQUEST: JsonRpcCode.INVALID_REQUEST,
  MESSAGE_TOO_LARGE: JsonRpcCode.INVALID_REQUEST,
  METHOD_NOT_FOUND: JsonRpcCode.METHOD_NOT_FOUND,
  INVALID_PARAMS: JsonRpcCode.INVALID_PARAMS,
  INTERNAL: JsonRpcCode.INTERNAL_ERROR,
};

/** The JSON-RPC `error` member for any thrown value. */
export function toRpcError(error: unknown): { code: number; message: string; data: ErrorData } {
  const coded = asCodedError(error);
  if (coded) {
    return {
      code: numericCodes[coded.code] ?? JsonRpcCode.APPLICATION,
      message: coded.message,
      data: { ...coded.data, code: coded.code },
    };
  }
  if (isDiskFull(error)) {
    return {
      code: JsonRpcCode.APPLICATION,
      message: 'The agent could not save its state: the disk is full. Free some space and retry.',
      data: { code: ErrorCode.DISK_FULL },
    };
  }
  return {
    code: JsonRpcCode.INTERNAL_ERROR,
    message: 'The agent hit an internal error; details are in its log.',
    data: { code: ErrorCode.INTERNAL },
  };
}

export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
