import { afterEach, describe, expect, it } from 'vitest';
import { judgeContainer } from '../../../remote-agent/src/diagnostics/containers';
import { en } from '../i18n/en';
import { i18n } from '../i18n/i18n';
import { checkFix, checkTitle } from './checkText';

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('check texts', () => {
  it('shows the agent’s English as written in English', () => {
    expect(
      checkTitle({ id: 'container.auth', title: 'Auth (GoTrue) container', service: 'auth' }),
    ).toBe('Auth (GoTrue) container');
    expect(checkFix('Run a repair.')).toBe('Run a repair.');
  });

  it('translates titles by id and the agent’s known fixes in Portuguese', async () => {
    await i18n.changeLanguage('pt-BR');
    expect(checkTitle({ id: 'container.auth', title: 'x', service: 'auth' })).toBe(
      'Contêiner auth',
    );
    expect(checkTitle({ id: 'api.rest', title: 'x', service: 'rest' })).toBe('rest pelo Kong');
    expect(checkTitle({ id: 'postgres.session', title: 'x', service: 'supavisor' })).toBe(
      'Postgres pelo pooler (modo sessão)',
    );
    expect(checkFix('Run a repair.')).toBe('Faça um reparo.');
    expect(
      checkFix(
        'Check the "auth" and "kong" containers above and their logs; a repair restarts what is down.',
      ),
    ).toBe(
      'Verifique os contêineres "auth" e "kong" acima; um reparo reinicia o que estiver parado.',
    );
    expect(checkFix('A sentence the agent added later.')).toBe('A sentence the agent added later.');
  });

  it('knows every fix the container judge writes (the agent’s real sentences, not copies)', async () => {
    await i18n.changeLanguage('pt-BR');
    const states = [
      { state: 'missing', health: 'none', restarts: 0 },
      { state: 'restarting', health: 'none', restarts: 9 },
      { state: 'running', health: 'unhealthy', restarts: 0 },
      { state: 'exited', health: 'none', restarts: 0, oomKilled: true },
      { state: 'exited', health: 'none', restarts: 0 },
      { state: 'running', health: 'starting', restarts: 0 },
      { state: 'running', health: 'healthy', restarts: 2 },
    ] as const;
    const englishFixes = new Set<string>(Object.values(en.diagnostics.fixes));
    for (const s of states) {
      const fix = judgeContainer({ service: 'auth', ...s }).fix;
      if (!fix) continue;
      expect(englishFixes.has(fix), fix).toBe(true);
      expect(checkFix(fix), fix).not.toBe(fix);
    }
  });
});
