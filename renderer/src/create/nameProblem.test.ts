import { afterEach, describe, expect, it } from 'vitest';
import { instanceNameProblem } from '@protocol/validation';
import { i18n } from '../i18n/i18n';
import { nameProblem } from './nameProblem';

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('nameProblem', () => {
  const names = ['', 'x'.repeat(41), ' lead', 'bad/name', 'ok-name_1', 'Loja Bahia'];

  it('refuses exactly what the agent refuses', () => {
    for (const n of names) expect(nameProblem(n) === null).toBe(instanceNameProblem(n) === null);
  });

  it('says why in English and in Portuguese', async () => {
    expect(nameProblem('bad/name')).toBe('Use only letters, digits, spaces, "-" and "_".');
    await i18n.changeLanguage('pt-BR');
    expect(nameProblem('bad/name')).toBe('Use apenas letras, números, espaços, "-" e "_".');
    expect(nameProblem('x'.repeat(41))).toBe('O nome tem 41 caracteres; o limite é 40.');
  });
});
