import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectView, RecoveryProgress } from '@contract/api';
import { createAppStore, StoreContext } from '../app/store';
import { project, server, testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import { ProjectCard } from '../projects/ProjectCard';
import { RecoveryBanner } from './RecoveryBanner';
import { isWaiting, recoveryLine } from './recovery';

const progress = (patch: Partial<RecoveryProgress>): RecoveryProgress => ({
  reason: 'agent-start',
  phase: 'databases',
  total: 80,
  done: 0,
  failed: 0,
  databases: 12,
  waiting: ['i1', 'i2'],
  at: '2026-12-02T10:00:00.000Z',
  ...patch,
});

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('recoveryLine', () => {
  it('counts databases first, then stacks, over one bar for the whole pass', () => {
    expect(recoveryLine(progress({}))).toEqual({
      key: 'databases',
      done: 12,
      total: 80,
      failed: 0,
      percent: 8,
    });
    expect(recoveryLine(progress({ phase: 'services', done: 40, failed: 2 }))).toMatchObject({
      key: 'services',
      done: 40,
      failed: 2,
      percent: 76,
    });
    expect(recoveryLine(progress({ phase: 'settling', total: 0 }))).toMatchObject({
      key: 'settling',
      percent: 0,
    });
    expect(recoveryLine(progress({ phase: 'done' }))).toBeUndefined();
    expect(recoveryLine(undefined)).toBeUndefined();
  });
});

describe('the recovery banner and the waiting cards', () => {
  it('says how many projects are back, with a bar, in English and Portuguese', async () => {
    const s = server({ state: 'connected', recovery: progress({}) });
    const en = renderToStaticMarkup(<RecoveryBanner server={s} />);
    expect(en).toContain('Bringing projects back: 12 of 80 (databases first)');
    expect(en).toContain('role="progressbar"');
    expect(en).toContain('aria-valuenow="8"');
    await i18n.changeLanguage('pt-BR');
    const pt = renderToStaticMarkup(
      <RecoveryBanner
        server={{ ...s, recovery: progress({ phase: 'services', done: 30, failed: 1 }) }}
      />,
    );
    expect(pt).toContain('Trazendo os projetos de volta: 30 de 80');
    expect(pt).toContain('1 não pôde ser iniciado');
    expect(renderToStaticMarkup(<RecoveryBanner server={server()} />)).toBe('');
  });

  it('marks the cards of projects still waiting, and only those, through the store', async () => {
    await i18n.changeLanguage('en');
    const store = createAppStore(testApi({}));
    // Server rendering reads the store's initial state: let it read the current one.
    store.getInitialState = store.getState;
    store.getState().upsertServer(server({ state: 'connected' }));
    store.getState().applyEvent({
      type: 'server.state',
      server: server({ state: 'connected', recovery: progress({}) }),
    });
    const card = (p: ProjectView) =>
      renderToStaticMarkup(
        <StoreContext.Provider value={store}>
          <ProjectCard project={p} />
        </StoreContext.Provider>,
      );
    expect(card(project({ id: 'i1' }))).toContain('Waiting to be brought back');
    expect(card(project({ id: 'i9' }))).not.toContain('recovery-waiting');
    expect(isWaiting(store.getState().servers, 's1', 'i2')).toBe(true);
    // The pass ended: the core sends the server without a recovery, every mark goes.
    store.getState().applyEvent({ type: 'server.state', server: server({ state: 'connected' }) });
    expect(card(project({ id: 'i1' }))).not.toContain('recovery-waiting');
  });
});
