import i18next from 'i18next';
import type { DesktopErrorCode } from '@contract/errors';
import type { ApiErrorShape } from '@contract/errors';
import type { Translate } from './catalogue';
import { en } from './en';
import { ptBR } from './pt-br';

export type { MessageKey, Translate } from './catalogue';

export type CliLanguage = 'en' | 'pt-BR';

/**
 * The language of human output, from the POSIX locale variables in their order of precedence
 * (LC_ALL over LC_MESSAGES over LANG): Portuguese of any region gets pt-BR, the rest English.
 */
export function languageFromEnv(env: Readonly<Record<string, string | undefined>>): CliLanguage {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return locale?.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
}

export interface Messages {
  language: CliLanguage;
  t: Translate;
  /** The person's sentence for an error: the catalogue's when it knows the code and has every
   *  value the sentence needs, otherwise the agent's or core's own English sentence. */
  describeError(err: ApiErrorShape): string;
}

export function createMessages(language: CliLanguage): Messages {
  const instance = i18next.createInstance();
  // Resources are in memory, so initialisation is synchronous and `t` works right away.
  void instance.init({
    lng: language,
    fallbackLng: 'en',
    resources: { en: { translation: en }, 'pt-BR': { translation: ptBR } },
    initAsync: false,
    // Output goes to a terminal, not HTML.
    interpolation: { escapeValue: false },
  });
  const t: Translate = (key, values) => instance.t(key, values ?? {});
  const catalogue = language === 'pt-BR' ? ptBR : en;
  return {
    language,
    t,
    describeError(err) {
      const template = (catalogue.errorCodes as Partial<Record<DesktopErrorCode, string>>)[
        err.code as DesktopErrorCode
      ];
      if (!template) return err.message;
      const values: Record<string, unknown> = { ...err.data, message: err.message };
      const needed = [...template.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
      if (needed.some((name) => values[name] === undefined || values[name] === null))
        return err.message;
      return instance.t(`errorCodes.${err.code}`, values);
    },
  };
}
