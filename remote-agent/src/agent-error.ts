import { asCodedError } from '@common/coded-error';
import { ErrorCode, JsonRpcCode, type ErrorData } from '@protocol/error-codes';

export { AgentError, asCodedError } from '@common/coded-error';

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
