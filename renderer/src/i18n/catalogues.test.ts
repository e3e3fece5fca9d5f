import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ptBR } from './pt-BR';
import { i18n, resolveLanguage } from './i18n';

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(path, v);
    else for (const [p, s] of leaves(v, path)) out.set(p, s);
  }
  return out;
}

const variables = (s: string): string[] =>
  [...s.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]!).sort();
const tags = (s: string): string[] => [...s.matchAll(/<\/?(\w+)>/g)].map((m) => m[0]).sort();

const catalogues: [string, Tree][] = [['pt-BR', ptBR as unknown as Tree]];
const source = leaves(en as unknown as Tree);

describe.each(catalogues)('the %s catalogue', (_name, catalogue) => {
  const other = leaves(catalogue);

  it('has exactly the keys of the English one, plural forms included', () => {
    expect([...other.keys()].sort()).toEqual([...source.keys()].sort());
  });

  it('uses the same interpolation variables and markup as English in every string', () => {
    for (const [key, text] of source) {
      const translated = other.get(key) ?? '';
      expect({ key, vars: variables(translated) }).toEqual({ key, vars: variables(text) });
      expect({ key, tags: tags(translated) }).toEqual({ key, tags: tags(text) });
    }
  });

  it('leaves no string empty', () => {
    for (const [key, text] of other)
      expect({ key, empty: text.trim() === '' }).toEqual({ key, empty: false });
  });
});

describe('the English catalogue', () => {
  it('has both plural forms wherever it has one', () => {
    for (const key of source.keys()) {
      if (key.endsWith('_one')) expect(source.has(key.replace(/_one$/, '_other'))).toBe(true);
      if (key.endsWith('_other')) expect(source.has(key.replace(/_other$/, '_one'))).toBe(true);
    }
  });
});

describe('i18next with the catalogues', () => {
  it('picks plural forms and interpolates in both languages', () => {
    expect(i18n.t('logs.lines', { count: 1, lng: 'en' })).toBe('1 line');
    expect(i18n.t('logs.lines', { count: 3, lng: 'en' })).toBe('3 lines');
    expect(i18n.t('users.granted', { count: 1, lng: 'pt-BR' })).toBe('1 projeto liberado');
    expect(i18n.t('users.granted', { count: 2, lng: 'pt-BR' })).toBe('2 projetos liberados');
    // CLDR: Portuguese takes the singular for 0 and 1, English the plural for 0.
    expect(i18n.t('logs.lines', { count: 0, lng: 'pt-BR' })).toBe('0 linha');
    expect(i18n.t('logs.lines', { count: 0, lng: 'en' })).toBe('0 lines');
    // Numbers inside sentences go through Intl in the sentence's language.
    expect(i18n.t('logs.lines', { count: 12345, lng: 'en' })).toBe('12,345 lines');
    expect(i18n.t('logs.lines', { count: 12345, lng: 'pt-BR' })).toBe('12.345 linhas');
    expect(i18n.t('nav.thisComputer', { state: 'conectado', lng: 'pt-BR' })).toBe(
      'este computador · conectado',
    );
  });
});

describe('resolveLanguage', () => {
  it('follows the OS until the person chooses', () => {
    expect(resolveLanguage(undefined, ['pt-BR', 'en-US'])).toBe('pt-BR');
    expect(resolveLanguage(undefined, ['pt'])).toBe('pt-BR');
    expect(resolveLanguage(undefined, ['pt-PT'])).toBe('pt-BR');
    expect(resolveLanguage(undefined, ['de-DE', 'en-GB'])).toBe('en');
    expect(resolveLanguage(undefined, ['de-DE'])).toBe('en');
    expect(resolveLanguage(undefined, [])).toBe('en');
    expect(resolveLanguage('en', ['pt-BR'])).toBe('en');
    expect(resolveLanguage('pt-BR', ['en-US'])).toBe('pt-BR');
  });
});
