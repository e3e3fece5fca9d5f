import { describe, expect, it } from 'vitest';
import { createMessages, languageFromEnv } from '.';
import { en } from './en';
import type { Catalogue } from './catalogue';
import { ptBR } from './pt-br';

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const variables = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('CLI catalogues', () => {
  const english = leaves(en as unknown as Tree);
  const portuguese = leaves(ptBR as unknown as Tree);

  it('hold the same keys, none empty, with the same placeholders', () => {
    expect([...portuguese.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of english) {
      const translated = portuguese.get(key)!;
      expect(text.trim(), key).not.toBe('');
      expect(translated.trim(), key).not.toBe('');
      expect(variables(translated), key).toEqual(variables(text));
    }
  });

  it('are actually translated (pt-BR is not English copied over)', () => {
    const same = [...english].filter(([key, text]) => portuguese.get(key) === text).map(([k]) => k);
    // Only names and codes may read the same in both languages.
    expect(
      same.every((k) =>
        /^(headers\.(id|host|api|postgres|status|uid)|steps\.docker|progress\.(state|healthy|stepDetail)|results\.importedLine|trust\.presented|interrupted\.step\.docker)$/.test(
          k,
        ),
      ),
      same.join(', '),
    ).toBe(true);
  });
});

describe('the interrupted-operation sentences', () => {
  it('are the renderer’s, word for word, in both languages', async () => {
    // The desktop and the terminal must say the same thing about what the agent undid.
    const renderer = await import('../../../../renderer/src/i18n/en');
    const rendererPt = await import('../../../../renderer/src/i18n/pt-BR');
    expect(en.interrupted).toEqual(renderer.en.interrupted);
    expect(ptBR.interrupted).toEqual(rendererPt.ptBR.interrupted);
  });
});

describe('language', () => {
  it('follows LC_ALL, then LC_MESSAGES, then LANG; Portuguese of any region is pt-BR', () => {
    expect(languageFromEnv({})).toBe('en');
    expect(languageFromEnv({ LANG: 'C' })).toBe('en');
    expect(languageFromEnv({ LANG: 'pt_BR.UTF-8' })).toBe('pt-BR');
    expect(languageFromEnv({ LANG: 'pt_PT.UTF-8' })).toBe('pt-BR');
    expect(languageFromEnv({ LANG: 'pt_BR.UTF-8', LC_ALL: 'en_US.UTF-8' })).toBe('en');
    expect(languageFromEnv({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'pt_BR.UTF-8' })).toBe('pt-BR');
    expect(languageFromEnv({ LANG: 'en_US.UTF-8', LC_ALL: '', LC_MESSAGES: 'pt_BR' })).toBe(
      'pt-BR',
    );
    expect(languageFromEnv({ LANG: 'ptx' })).toBe('pt-BR');
  });

  it('translates with interpolation, untouched by HTML escaping', () => {
    expect(createMessages('pt-BR').t('results.granted', { user: 'ana', project: 'loja<1>' })).toBe(
      'ana: acesso a loja<1> concedido',
    );
  });
});

describe('error messages', () => {
  it('localises known codes with their data, and falls back to the English sentence', () => {
    const pt = createMessages('pt-BR');
    expect(
      pt.describeError({
        code: 'HOST_KEY_CHANGED',
        message: 'The key changed',
        data: { expected: 'SHA256:a', actual: 'SHA256:b' },
      }),
    ).toBe(
      'A chave do host mudou: era SHA256:a, agora é SHA256:b. Alguém pode estar interceptando a conexão.',
    );
    // The sentence needs data the error does not carry: the agent's own words are better.
    expect(pt.describeError({ code: 'HOST_KEY_CHANGED', message: 'revoked key' })).toBe(
      'revoked key',
    );
    expect(pt.describeError({ code: 'SOMETHING_NEW', message: 'Agent says so.' })).toBe(
      'Agent says so.',
    );
    expect(pt.describeError({ code: 'BUSY', message: 'busy' })).toContain('ocupado');
  });
});

describe('typed keys', () => {
  it('make a missing key a compile error (checked by tsc, which fails on an unused expect-error)', () => {
    const { t } = createMessages('en');
    // @ts-expect-error: a key that is not in the catalogue does not compile
    expect(t('results.noSuchKey')).toBe('results.noSuchKey');
    // @ts-expect-error: a catalogue that lacks keys of the English one does not compile
    const partial: Catalogue = { usage: ptBR.usage };
    expect(Object.keys(partial)).toEqual(['usage']);
  });
});
