import { afterEach, describe, expect, it } from 'vitest';
import { errorText } from './error-messages';
import { i18n } from './i18n';

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('errorText', () => {
  const refused = { code: 'LIMIT_REACHED', message: 'vps-1 already runs 20 of 20 instances.' };

  it('keeps the agent’s own, more specific sentence in English', async () => {
    await i18n.changeLanguage('en');
    expect(errorText(refused)).toBe('vps-1 already runs 20 of 20 instances.');
  });

  it('says a known code in the UI language', async () => {
    await i18n.changeLanguage('pt-BR');
    expect(errorText(refused)).toBe('O servidor atingiu o limite de projetos.');
    expect(errorText({ code: 'HOST_KEY_CHANGED', message: 'x' })).toBe(
      'A chave do host do servidor mudou; o Ultrabase não se conectou.',
    );
  });

  it('falls back to the English sentence for a code no catalogue knows', async () => {
    await i18n.changeLanguage('pt-BR');
    expect(errorText({ code: 'SOMETHING_NEW', message: 'A new failure.' })).toBe('A new failure.');
  });
});
