import { ErrorCode as AgentErrorCode } from '@protocol/error-codes';

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
  /** The server refuses port forwarding for this login (a staff account's key). */
  FORWARDING_REFUSED: 'FORWARDING_REFUSED',
  SSH_CONFIG_UNREADABLE: 'SSH_CONFIG_UNREADABLE',
} as const;

export type DesktopErrorCode = (typeof DesktopErrorCode)[keyof typeof DesktopErrorCode];
/** Every code a failure can carry across the desktop's boundaries. */
export type ErrorCode = DesktopErrorCode;

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(DesktopErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

/** Errors about one server say which profile to fix or trust (a jump host's errors too). */
interface ServerTag {
  serverId?: string;
  serverName?: string;
}
type Address = ServerTag & { host?: string; port?: number };
type PresentedKey = ServerTag & {
  host: string;
  port: number;
  algorithm: string;
  /** 'SHA256:…' as OpenSSH prints it. */
  fingerprint: string;
};
type SecretName =
  | 'sshPassword'
  | 'keyPassphrase'
  | 'agentPassword'
  | 'backupRepositoryPassword'
  | 'backupDestination';
/** Why a named file was not read: only regular files of a sane size are (review finding 23). */
type FileRefusal = 'not-found' | 'not-a-regular-file' | 'too-large' | 'unreadable';

/**
 * The error catalogue: for each code whose `data` has a fixed shape, that shape. The renderer
 * and the CLI read these fields after `isError(e, code)`, never through a cast. Codes not listed
 * (most of the agent's) carry free-form facts or none.
 */
export interface ErrorDataCatalogue {
  HOST_KEY_UNKNOWN: PresentedKey;
  /** `expected` is the pinned (or known_hosts) fingerprint, or 'revoked'; `actual` is presented. */
  HOST_KEY_CHANGED: PresentedKey & {
    expected: string;
    actual: string;
    source?: 'pinned' | 'known_hosts';
  };
  HOST_KEY_MISMATCH: ServerTag & { expected: string; actual: string; host?: string; port?: number };
  SECRET_MISSING: ServerTag & { secret: SecretName };
  /** `name`: what the person typed when looking a server up by name (CLI). */
  SERVER_NOT_FOUND: ServerTag & { field?: string; name?: string };
  SERVER_EXISTS: { field?: string };
  NOT_CONNECTED: ServerTag;
  KEY_FILE_UNREADABLE: ServerTag & { keyPath?: string; reason?: FileRefusal };
  KEY_PASSPHRASE_WRONG: ServerTag & { keyPath?: string };
  SSH_AUTH_FAILED: Address;
  HOST_NOT_FOUND: Address;
  CONNECTION_REFUSED: Address;
  CONNECTION_TIMEOUT: Address;
  CONNECTION_LOST: Address;
  TIMEOUT: { method?: string };
  /** `field`: the input field at fault (core checks); `issues`: every schema issue (IPC). */
  INVALID_PARAMS: { field?: string; issues?: Array<{ path: string; message: string }> };
  SSH_CONFIG_UNREADABLE: { path: string; reason?: FileRefusal };
  FORWARDING_REFUSED: ServerTag & { port?: number; staff?: boolean };
}

type Catalogued = keyof ErrorDataCatalogue;
type FreeData = Record<string, unknown>;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (
  x: infer I,
) => void
  ? I
  : never;
type IsOneCode<C extends string> = [C] extends [UnionToIntersection<C>] ? true : false;

/**
 * The data a failure with code C carries: the catalogue's shape for one catalogued code,
 * free-form for other codes and for a union of codes (a relayed `e.code` of several kinds).
 */
export type ErrorDataOf<C extends string> =
  IsOneCode<C> extends true
    ? [C] extends [Catalogued]
      ? ErrorDataCatalogue[C]
      : FreeData
    : FreeData;

/**
 * What crosses every boundary (IPC, WebSocket harness, CLI --json) when a call fails: a plain
 * object, because Electron's contextBridge keeps only an Error's message.
 */
export interface ApiError<C extends string = string> {
  code: C;
  message: string;
  data?: ErrorDataOf<C>;
}
/** @deprecated the name before the catalogue; kept for callers outside the contract. */
export type ApiErrorShape = ApiError;

/**
 * A literal code must be in the catalogue (so no one invents 'FAILED'); a plain `string` passes
 * because codes relayed from the wire are not known statically.
 */
type KnownCode<C extends string> = string extends C ? string : C extends ErrorCode ? C : never;
/** Data is required when its shape has a required field (HOST_KEY_CHANGED's fingerprints). */
type DataArgs<C extends string> =
  Partial<ErrorDataOf<C>> extends ErrorDataOf<C> ? [data?: ErrorDataOf<C>] : [data: ErrorDataOf<C>];

/**
 * The error thrown by the core; every boundary turns it into a plain ApiError. The constructor
 * checks a literal code against the catalogue and the data against its shape; readers narrow
 * with `isError(e, code)`, which gives `data` its shape back. Unparameterised, the code is a
 * plain string: errors relayed from an agent (or raised by a subclass) carry codes only known
 * at run time.
 */
export class UltrabaseError<C extends string = string> extends Error {
  readonly code: C;
  readonly data: FreeData | undefined;
  constructor(code: C & KnownCode<C>, message: string, ...[data]: DataArgs<C>) {
    super(message);
    this.name = 'UltrabaseError';
    this.code = code;
    // Every catalogued shape is a plain record: the check happened on the argument.
    this.data = data as FreeData | undefined;
  }
  toJSON(): ApiError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** Anything with a string code and message (an UltrabaseError, or one rebuilt from a wire). */
export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).code === 'string' &&
    typeof (value as ApiError).message === 'string'
  );
}

/** Narrows a caught value to a failure with this code, with the catalogue's data shape. */
export function isError<C extends ErrorCode>(value: unknown, code: C): value is ApiError<C> {
  return isApiError(value) && value.code === code;
}

/**
 * The one normalisation of anything thrown into the plain `{code, message, data}` the contract
 * promises. Used by the preload bridge, the IPC wrapper, the core's error guard, the renderer,
 * the CLI and the browser harness, so each side rejects with exactly the same shape.
 *
 * `trusted` decides which codes pass: by default every string code (the renderer's view of a
 * reply); the IPC wrapper passes `isErrorCode` so Node's own errors (ENOENT with a local path in
 * the message) become INTERNAL with `fallbackMessage`.
 *
 * Self-contained on purpose (no imports, no outer names): the browser harness serialises it into
 * its page script so the page's rejections are built by this very function.
 */
export function toApiError(
  error: unknown,
  options: { trusted?: (code: string) => boolean; fallbackMessage?: string } = {},
): ApiError {
  const trusted = options.trusted ?? (() => true);
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; data?: unknown };
    if (typeof e.code === 'string' && trusted(e.code)) {
      const message =
        typeof e.message === 'string' ? e.message : 'The desktop app reported an error.';
      // Rebuilt field by field: an Error's stack or other own properties never cross a boundary.
      return typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data)
        ? { code: e.code, message, data: e.data as FreeData }
        : { code: e.code, message };
    }
  }
  return {
    code: 'INTERNAL',
    message:
      options.fallbackMessage ??
      (error instanceof Error ? error.message : typeof error === 'string' ? error : String(error)),
  };
}
