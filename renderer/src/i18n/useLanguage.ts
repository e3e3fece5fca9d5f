import { useEffect } from 'react';
import { useApp } from '../app/store';
import { i18n, osLanguages, resolveLanguage } from './i18n';

/** Keeps i18next and <html lang> in step with the language setting (or the OS, until chosen). */
export function useLanguage(): void {
  const chosen = useApp((s) => s.settings.language);
  const language = resolveLanguage(chosen, osLanguages());
  useEffect(() => {
    document.documentElement.lang = language;
    if (i18n.language !== language) void i18n.changeLanguage(language);
  }, [language]);
}
