import 'i18next';
import type { en } from './en';

// Typed keys: t('a.missing.key') fails tsc, and so do wrong interpolation names' absence checks.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}
