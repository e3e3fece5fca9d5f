import type { DesktopApi } from '../../electron/src/contract/api';

declare global {
  interface Window {
    /** Defined by Electron's preload, or by the test harness's bridge script. */
    ultrabase: DesktopApi;
  }
}

/** What every rejected DesktopApi call carries (contract/errors.ts ApiErrorShape). */
export interface ApiError {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/** Normalises anything thrown by a call into the contract's error shape. */
export function toApiError(error: unknown): ApiError {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; data?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(error);
    const code = typeof e.code === 'string' ? e.code : 'INTERNAL';
    const data =
      typeof e.data === 'object' && e.data !== null
        ? (e.data as Record<string, unknown>)
        : undefined;
    return data === undefined ? { code, message } : { code, message, data };
  }
  return { code: 'INTERNAL', message: String(error) };
}

export function projectKey(serverId: string, instanceId: string): string {
  return `${serverId}/${instanceId}`;
}
