import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectView } from '@contract/api';
import { createAppStore, StoreContext } from '../app/store';
import { project, server, testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import { ProjectCard } from './ProjectCard';

const rolledBack: ProjectView['lastOperation'] = {
  kind: 'create',
  outcome: 'rolled-back',
  step: 'start',
  at: '2026-12-02T10:00:00.000Z',
  message: 'The creation was interrupted at step "start" (the agent stopped); it was rolled back.',
};

function card(p: ProjectView): string {
  const store = createAppStore(testApi({}));
  store.getInitialState = store.getState;
  store.getState().upsertServer(server({ state: 'connected' }));
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <ProjectCard project={p} />
    </StoreContext.Provider>,
  );
}

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('a project card after the agent recovered a cut-off operation', () => {
  it('says what was interrupted, where, and what was done, in English and Portuguese', async () => {
    await i18n.changeLanguage('en');
    const p = project({
      status: 'failed',
      lastOperation: rolledBack,
      error: { code: 'CANCELLED', reason: rolledBack!.message, at: rolledBack!.at },
    });
    const en = card(p);
    expect(en).toContain('The creation was interrupted at step “start” and rolled back.');
    // The agent's English sentence is the tooltip, not a second line in the card.
    expect(en.match(/the agent stopped/g)).toHaveLength(1);
    await i18n.changeLanguage('pt-BR');
    expect(card(p)).toContain('A criação foi interrompida na etapa “inicialização” e desfeita.');
  });

  it('says an upgrade cut off was finished, and nothing when no operation was cut off', async () => {
    await i18n.changeLanguage('en');
    const finished = card(
      project({
        lastOperation: { ...rolledBack!, kind: 'upgrade', outcome: 'completed', step: 'health' },
      }),
    );
    expect(finished).toContain(
      'An upgrade was interrupted at step “health check” and finished when the agent restarted.',
    );
    expect(card(project())).not.toContain('interrupted-operation');
  });
});

describe('reconnecting to a server', () => {
  it('reads its projects again, so a card the agent changed while away is not stale', async () => {
    const api = testApi({
      listProjects: async () => [project({ status: 'failed', lastOperation: rolledBack })],
    });
    const store = createAppStore(api);
    store.getState().upsertServer(server({ state: 'connected' }));
    store.getState().upsertProject(project({ status: 'creating' }));

    store
      .getState()
      .applyEvent({ type: 'server.state', server: server({ state: 'reconnecting' }) });
    expect(api.calls).toEqual([]);
    store.getState().applyEvent({ type: 'server.state', server: server({ state: 'connected' }) });
    await new Promise((r) => setTimeout(r, 0));
    expect(api.calls).toEqual(['listProjects']);
    expect(store.getState().projects['s1/i1']).toMatchObject({
      status: 'failed',
      lastOperation: { outcome: 'rolled-back' },
    });
  });
});
