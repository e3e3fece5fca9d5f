import { DESKTOP_METHODS, type DesktopApi, type DesktopMethod } from '@contract/api';
import {
  DesktopErrorCode,
  isApiError,
  isErrorCode,
  toApiError,
  type ApiError,
} from '@contract/errors';
import { validateCall } from '@contract/validate-call';

/** What every IPC call answers: never a thrown Error, whose fields Electron would drop. */
export type IpcReply = { result: unknown } | { error: ApiError };

/** The frame an IPC message came from, reduced to what the trust decision needs. */
export interface SenderFrame {
  url: string;
  /** False for iframes: only the top-level document of our window may call the core. */
  isMainFrame: boolean;
}

export type DesktopHandlers = Pick<DesktopApi, DesktopMethod>;

/** Decides whether a sender may call at all; `null` means the frame is already gone. */
export type SenderCheck = (frame: SenderFrame | null) => boolean;

export interface IpcWrapperOptions {
  isTrustedSender: SenderCheck;
  /** Receives failures that are not the core's own coded errors (bugs). Never gets arguments. */
  onUnexpectedError?: (method: DesktopMethod, error: unknown) => void;
}

export type IpcCall = (frame: SenderFrame | null, rawArgs: unknown) => Promise<IpcReply>;

/**
 * Builds one call function per DesktopApi method. Each checks the sender first (a foreign
 * frame learns nothing, not even whether its arguments were valid), then validates the
 * arguments against the method's schema in the contract, then calls the core.
 */
export function createIpcCalls(
  handlers: DesktopHandlers,
  options: IpcWrapperOptions,
): Record<DesktopMethod, IpcCall> {
  const calls = {} as Record<DesktopMethod, IpcCall>;
  for (const method of DESKTOP_METHODS) {
    calls[method] = (frame, rawArgs) => callOne(handlers, options, method, frame, rawArgs);
  }
  return calls;
}

async function callOne(
  handlers: DesktopHandlers,
  options: IpcWrapperOptions,
  method: DesktopMethod,
  frame: SenderFrame | null,
  rawArgs: unknown,
): Promise<IpcReply> {
  if (!options.isTrustedSender(frame)) {
    return {
      error: {
        code: DesktopErrorCode.FORBIDDEN,
        message: 'This request did not come from the Ultrabase window and was refused.',
      },
    };
  }
  const call = validateCall(method, rawArgs);
  if (!call.ok) return { error: call.error };
  try {
    // The method's schema guarantees the argument list matches its signature.
    const fn = handlers[method] as (...args: unknown[]) => Promise<unknown>;
    const result = await fn.apply(handlers, call.args);
    return { result };
  } catch (error) {
    // Only the contract's codes pass: Node's system errors also carry a string `code` (ENOENT,
    // ERR_…) and a message with local paths; those are bugs, reported as INTERNAL.
    if (!(isApiError(error) && isErrorCode(error.code))) options.onUnexpectedError?.(method, error);
    return { error: toApiError(error, { trusted: isErrorCode, fallbackMessage: UNEXPECTED }) };
  }
}

const UNEXPECTED =
  'Ultrabase hit an unexpected problem. Try again; if it persists, restart the app.';
