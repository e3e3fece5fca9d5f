import { ErrorCode as AgentErrorCode } from '../../../remote-agent/src/protocol/errors';

/** Desktop-side error codes, on top of the agent's (which pass through unchanged). */
export const DesktopErrorCode = {
  ...AgentErrorCode,
  SERVER_NOT_FOUND: 'SERVER_NOT_FOUND',
  SERVER_EXISTS: 'SERVER_EXISTS',
  NOT_CONNECTED: 'NOT_CONNECTED',
  HOST_KEY_UNKNOWN: 'HOST_KEY_UNKNOWN',
  HOST_KEY_CHANGED: 'HOST_KEY_CHANGED',
  HOST_KEY_MISMATCH: 'HOST_KEY_MISMATCH',
  SSH_AUTH_FAILED: 'SSH_AUTH_FAILED',
  SECRET_MISSING: 'SECRET_MISSING',
  KEY_FILE_UNREADABLE: 'KEY_FILE_UNREADABLE',
  KEY_PASSPHRASE_WRONG: 'KEY_PASSPHRASE_WRONG',
  HOST_NOT_FOUND: 'HOST_NOT_FOUND',
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  CONNECTION_TIMEOUT: 'CONNECTION_TIMEOUT',
  CONNECTION_LOST: 'CONNECTION_LOST',
  JUMP_HOST_FAILED: 'JUMP_HOST_FAILED',
  KEYCHAIN_UNAVAILABLE: 'KEYCHAIN_UNAVAILABLE',
  BOOTSTRAP_FAILED: 'BOOTSTRAP_FAILED',
  SERVER_UNSUITABLE: 'SERVER_UNSUITABLE',
  AGENT_INCOMPATIBLE: 'AGENT_INCOMPATIBLE',
  FORWARD_FAILED: 'FORWARD_FAILED',
  SSH_CONFIG_UNREADABLE: 'SSH_CONFIG_UNREADABLE',
} as const;

export type DesktopErrorCode = (typeof DesktopErrorCode)[keyof typeof DesktopErrorCode];

/** What crosses every boundary (IPC, WebSocket harness, CLI --json) when a call fails. */
export interface ApiErrorShape {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/** The error thrown by the core and re-thrown by the preload/harness on the renderer side. */
export class UltrabaseError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: string, message: string, data?: Record<string, unknown>) {
    super(message);
    this.name = 'UltrabaseError';
    this.code = code;
    this.data = data;
  }
  toJSON(): ApiErrorShape {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export function isApiError(value: unknown): value is ApiErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorShape).code === 'string' &&
    typeof (value as ApiErrorShape).message === 'string'
  );
}
