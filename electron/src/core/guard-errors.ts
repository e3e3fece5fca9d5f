import { UltrabaseError, isErrorCode, toApiError } from '@contract/errors';
import type { Redactor } from '@common/redact';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * Returns a new object whose async methods reject only with an UltrabaseError whose message and
 * data carry no secret the core has handled (an agent or ssh error can echo input), and whose
 * code is one of the contract's (anything else becomes INTERNAL naming the method). Methods in
 * `passThrough` (synchronous ones such as onEvent) are copied unchanged.
 */
export function guardErrors<T extends object>(
  api: T,
  redactor: Redactor,
  passThrough: ReadonlyArray<keyof T>,
): T {
  const guarded: Record<string, unknown> = {};
  for (const name of Object.keys(api) as Array<keyof T & string>) {
    const value = api[name];
    if (typeof value !== 'function' || passThrough.includes(name)) {
      guarded[name] = value;
      continue;
    }
    const fn = value as unknown as AsyncMethod;
    guarded[name] = async (...args: never[]) => {
      try {
        return await fn.apply(api, args);
      } catch (err) {
        const shape = toApiError(err, {
          // The core's own errors keep their code even when a newer agent sent one we do not
          // know; anything else (Node's ENOENT, a TypeError) is INTERNAL.
          trusted: (code) => err instanceof UltrabaseError || isErrorCode(code),
          fallbackMessage: `Unexpected failure in ${name}: ${(err as Error)?.message ?? String(err)}`,
        });
        throw new UltrabaseError(
          shape.code,
          redactor.redactText(shape.message),
          shape.data && (redactor.redact(shape.data) as Record<string, unknown>),
        );
      }
    };
  }
  return guarded as T;
}
