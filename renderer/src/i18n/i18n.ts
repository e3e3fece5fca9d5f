import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { UiLanguage } from '@contract/api';
import { en } from './en';
import { ptBR } from './pt-BR';

export const LANGUAGES: readonly UiLanguage[] = ['en', 'pt-BR'];

/** Each language's own name, shown as is in every UI language so people find theirs. */
export const LANGUAGE_NAMES: Record<UiLanguage, string> = {
  en: 'English',
  'pt-BR': 'Português (Brasil)',
};

export const resources = {
  en: { translation: en },
  'pt-BR': { translation: ptBR },
} as const;

/**
 * The language to show: the person's choice once made, else the first OS language we have a
 * catalogue for (any Portuguese reads pt-BR; the audience is Brazilian), else English.
 */
export function resolveLanguage(
  chosen: UiLanguage | undefined,
  osLanguages: readonly string[],
): UiLanguage {
  if (chosen) return chosen;
  for (const tag of osLanguages) {
    const lower = tag.toLowerCase();
    if (lower === 'pt' || lower.startsWith('pt-')) return 'pt-BR';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

export function osLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

/** One instance for the app; initialised synchronously, so the first render is translated. */
export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources,
  lng: resolveLanguage(undefined, osLanguages()),
  fallbackLng: 'en',
  supportedLngs: LANGUAGES,
  initAsync: false,
  // React escapes what it renders; escaping here too would show &amp; in names.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** The locale for Intl formatting: always the UI language, so numbers match the words. */
export function currentLocale(): UiLanguage {
  return (LANGUAGES as readonly string[]).includes(i18n.language)
    ? (i18n.language as UiLanguage)
    : 'en';
}

/** The app instance's t for code outside React (store slices); components use useTranslation. */
// i18next binds its methods to the instance, so t can be passed around.
export const t = i18n.t;
