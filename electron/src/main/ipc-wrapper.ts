import type { ZodTypeAny } from 'zod';
import {
  DESKTOP_METHODS,
  DesktopApiArgs,
  type DesktopApi,
  type DesktopMethod,
} from '../contract/api';
import {
  DesktopErrorCode,
  UltrabaseError,
  isApiError,
  type ApiErrorShape,
} from '../contract/errors';

/** What every IPC call answers: never a thrown Error, whose fields Electron would drop. */
export type IpcReply = { result: unknown } | { error: ApiErrorShape };

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
 * arguments against the contract's zod tuple, then calls the core.
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
    return fail(
      DesktopErrorCode.FORBIDDEN,
      'This request did not come from the Ultrabase window and was refused.',
    );
  }
  const parsed = parseArgs(method, rawArgs);
  if (!parsed.ok) return parsed.reply;
  try {
    // The tuple schema guarantees the argument list matches the method's signature.
    const fn = handlers[method] as (...args: unknown[]) => Promise<unknown>;
    const result = await fn.apply(handlers, parsed.args);
    return { result };
  } catch (error) {
    return { error: toReplyError(method, error, options) };
  }
}

type ParsedArgs = { ok: true; args: unknown[] } | { ok: false; reply: IpcReply };

function parseArgs(method: DesktopMethod, rawArgs: unknown): ParsedArgs {
  if (!Array.isArray(rawArgs)) {
    return {
      ok: false,
      reply: fail(DesktopErrorCode.INVALID_PARAMS, `${method}: arguments must be a list.`),
    };
  }
  const schema: ZodTypeAny = DesktopApiArgs[method];
  const parsed = schema.safeParse(padOptionalTail(schema, rawArgs));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    const first = issues[0];
    const where = first && first.path !== '' ? ` (argument ${first.path})` : '';
    return {
      ok: false,
      reply: fail(
        DesktopErrorCode.INVALID_PARAMS,
        `${method}: invalid arguments${where}: ${first?.message ?? 'rejected'}.`,
        { issues },
      ),
    };
  }
  return { ok: true, args: parsed.data as unknown[] };
}

/**
 * zod tuples reject a short list even when the missing items are optional, but a renderer
 * calling `listProjects()` sends `[]`. Fill the tail with `undefined` up to the tuple length
 * (never beyond, so extra arguments still fail).
 */
function padOptionalTail(schema: ZodTypeAny, args: unknown[]): unknown[] {
  const items = (schema._def as { items?: unknown[] }).items;
  if (!Array.isArray(items) || args.length >= items.length) return args;
  return [...args, ...Array<undefined>(items.length - args.length).fill(undefined)];
}

function toReplyError(
  method: DesktopMethod,
  error: unknown,
  options: IpcWrapperOptions,
): ApiErrorShape {
  if (isCodedError(error)) {
    const data = error.data;
    // Re-built field by field: an Error's stack or other own properties never cross IPC.
    return data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data };
  }
  options.onUnexpectedError?.(method, error);
  return {
    code: DesktopErrorCode.INTERNAL,
    message: 'Ultrabase hit an unexpected problem. Try again; if it persists, restart the app.',
  };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(DesktopErrorCode));

/**
 * Only the core's own errors pass through. Node's system errors also carry a string `code`
 * (ENOENT, ERR_…) and a message with local paths: those are bugs, reported as INTERNAL.
 */
function isCodedError(error: unknown): error is ApiErrorShape {
  if (error instanceof UltrabaseError) return true;
  return isApiError(error) && KNOWN_CODES.has(error.code);
}

function fail(code: string, message: string, data?: Record<string, unknown>): IpcReply {
  return { error: data === undefined ? { code, message } : { code, message, data } };
}
