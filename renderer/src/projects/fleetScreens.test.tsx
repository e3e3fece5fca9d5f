import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore, StoreContext } from '../app/store';
import { project, server, testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import { ServerPage } from '../servers/ServerPage';
import { ProjectsPage } from './ProjectsPage';

// The fleet parts of the projects and server pages render in both languages from a store:
// the table chosen in the settings file, tags, the tag filter, CPU and memory columns, and the
// Docker and Compose versions the agent now sends.

function html(element: React.ReactElement, layout: 'cards' | 'table') {
  const s = createAppStore(testApi({}));
  s.getInitialState = s.getState;
  s.getState().upsertServer(server({ state: 'connected' }));
  s.setState({ serversLoaded: true, projectsLoaded: true });
  s.setState((st) => ({ settings: { ...st.settings, projectsLayout: layout } }));
  s.getState().upsertProject(
    project({ id: 'a', name: 'loja-bahia', tags: ['cliente:acme', 'env:staging'] }),
  );
  s.getState().upsertProject(project({ id: 'b', name: 'portal-recife', status: 'stopped' }));
  s.setState({
    resources: {
      s1: {
        cpus: 4,
        load1: 1,
        memoryTotalMb: 8000,
        memoryAvailableMb: 4000,
        diskTotalMb: 100_000,
        diskFreeMb: 50_000,
        instances: 2,
        maxInstances: 20,
        fitsMore: 3,
        thresholds: { minFreeMemoryMb: 1024, minFreeDiskMb: 2048, maxLoadPerCore: 2 },
        agentVersion: '0.1.0',
        dockerVersion: '27.3.1',
        composeVersion: '2.29.7',
      },
    },
  });
  return renderToStaticMarkup(<StoreContext.Provider value={s}>{element}</StoreContext.Provider>);
}

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('fleet screens', () => {
  it('shows the table the settings file remembers, with tag filter, CPU and memory', async () => {
    const en = html(<ProjectsPage />, 'table');
    expect(en).toContain('data-testid="project-table"');
    expect(en).not.toContain('data-testid="project-grid"');
    for (const text of ['Client / tags', 'CPU', 'Memory', 'All tags', 'cliente:acme']) {
      expect(en).toContain(text);
    }
    await i18n.changeLanguage('pt-BR');
    const pt = html(<ProjectsPage />, 'table');
    for (const text of ['Cliente / tags', 'Memória', 'Todas as tags', 'Filtrar por tag']) {
      expect(pt).toContain(text);
    }
  });

  it('shows tags on cards', () => {
    const cards = html(<ProjectsPage />, 'cards');
    expect(cards).toContain('data-testid="project-grid"');
    expect(cards).toContain('env:staging');
  });

  it('shows the Docker and Compose versions on the server page', () => {
    const page = html(<ServerPage serverId="s1" />, 'cards');
    expect(page).toContain('27.3.1');
    expect(page).toContain('2.29.7');
  });
});
