import { currentLocale, t } from './i18n';

/**
 * Numbers, sizes, dates and relative times through Intl in the UI language (1,5 GB in pt-BR,
 * 1.5 GB in English). The locale is a parameter so tests need no global state.
 */
const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

// Building an Intl formatter costs far more than using one (a fleet table of 500 rows formats
// on every scroll frame): one instance per locale and options, kept for the session.
const formatters = new Map<
  string,
  Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat
>();
function cached<F extends Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>(
  kind: string,
  locale: string,
  options: object | undefined,
  make: () => F,
): F {
  const key = `${kind}|${locale}|${JSON.stringify(options ?? {})}`;
  let f = formatters.get(key) as F | undefined;
  if (!f) formatters.set(key, (f = make()));
  return f;
}
const numberFormat = (locale: string, options?: Intl.NumberFormatOptions) =>
  cached('n', locale, options, () => new Intl.NumberFormat(locale, options));

export function formatBytes(bytes: number, locale: string = currentLocale()): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return numberFormat(locale, {
    style: 'unit',
    unit: UNITS[i],
    unitDisplay: 'short',
    maximumFractionDigits: v >= 10 || i === 0 ? 0 : 1,
  }).format(v);
}

export function formatMb(mb: number, locale: string = currentLocale()): string {
  return formatBytes(mb * 1024 * 1024, locale);
}

export function formatNumber(
  n: number,
  locale: string = currentLocale(),
  options?: Intl.NumberFormatOptions,
): string {
  return numberFormat(locale, options).format(n);
}

export function formatPercent(percent: number, locale: string = currentLocale()): string {
  return numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(percent / 100);
}

export function formatDateTime(iso: string, locale: string = currentLocale()): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const options = { dateStyle: 'medium', timeStyle: 'medium' } as const;
  return cached('d', locale, options, () => new Intl.DateTimeFormat(locale, options)).format(ms);
}

/** "3 min ago" / "há 3 min", against an injectable clock so tests are deterministic. */
export function timeAgo(iso: string, now = Date.now(), locale: string = currentLocale()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return t('time.justNow', { lng: locale });
  const options = { numeric: 'always', style: 'short' } as const;
  const rtf = cached('r', locale, options, () => new Intl.RelativeTimeFormat(locale, options));
  const m = Math.round(s / 60);
  if (m < 60) return rtf.format(-m, 'minute');
  const h = Math.round(m / 60);
  if (h < 24) return rtf.format(-h, 'hour');
  return rtf.format(-Math.round(h / 24), 'day');
}
