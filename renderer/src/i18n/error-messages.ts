import type { ApiError } from '../api';
import type { en } from './en';
import { currentLocale, i18n, t } from './i18n';

type ErrorCode = keyof typeof en.errors;

/**
 * What the UI says about a failed call. Codes are stable, so in another language the catalogue's
 * sentence for the code is shown. In English the core's or agent's own sentence is already
 * English and more specific (it names the port, the service, the limit), so it is kept; it is
 * also the fallback for a code no catalogue knows yet.
 */
export function errorText(error: Pick<ApiError, 'code' | 'message'>): string {
  const key = `errors.${error.code}` as `errors.${ErrorCode}`;
  if (currentLocale() === 'en' && error.message) return error.message;
  if (i18n.exists(key)) return String(t(key));
  return error.message;
}
