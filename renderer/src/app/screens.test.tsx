import { renderToStaticMarkup } from 'react-dom/server';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore, StoreContext, type AppStore } from './store';
import { project, server, testApi } from './testApi';
import { i18n } from '../i18n/i18n';
import { ProjectsPage } from '../projects/ProjectsPage';
import { ProjectPage } from '../projects/ProjectPage';
import { ServerPage } from '../servers/ServerPage';
import { SettingsPage } from '../settings/SettingsPage';
import { DiagnosticsPanel } from '../diagnostics/DiagnosticsPanel';
import { LogsPage } from '../logs/LogsPage';
import { ServerSidebar } from '../servers/ServerSidebar';

// Every main screen renders in both languages from a realistic store, and the Portuguese one
// shows Portuguese: a smoke test for render-time errors and for strings that escaped i18n.

function store(): AppStore {
  const s = createAppStore(testApi({}));
  // Server rendering reads zustand's initial state; render the state set up here.
  s.getInitialState = s.getState;
  s.getState().upsertServer(
    server({
      state: 'connected',
      user: {
        username: 'ana',
        role: 'admin',
        disabled: false,
        grants: [],
        createdAt: '2026-01-01T00:00:00Z',
      },
    }),
  );
  s.setState({ serversLoaded: true, projectsLoaded: true });
  s.getState().upsertProject(project({ id: 'a', name: 'loja-bahia', status: 'running' }));
  s.getState().upsertProject(
    project({
      id: 'b',
      name: 'portal-recife',
      status: 'degraded',
      needsAttention: true,
      services: [{ service: 'rest', state: 'exited', health: 'none', restarts: 2 }],
    }),
  );
  s.setState({
    resources: {
      s1: {
        cpus: 2,
        load1: 7.88,
        memoryTotalMb: 32_000,
        memoryAvailableMb: 12_000,
        diskTotalMb: 400_000,
        diskFreeMb: 220_000,
        instances: 2,
        maxInstances: 20,
        fitsMore: 7,
        thresholds: { minFreeMemoryMb: 1024, minFreeDiskMb: 2048, maxLoadPerCore: 1000 },
        agentVersion: '0.1.0',
      },
    },
    reports: {
      's1/b': {
        instanceId: 'b',
        at: '2026-01-01T00:00:00Z',
        status: 'fail',
        durationMs: 120,
        checks: [
          {
            id: 'container.rest',
            title: 'REST container',
            status: 'fail',
            evidence: 'Not running: exited.',
            fix: 'Run a repair to start it again.',
            service: 'rest',
          },
          {
            id: 'api.rest',
            title: 'REST through Kong',
            status: 'fail',
            evidence: '{"message":"name resolution failed"}',
            fix: 'Run a repair.',
            service: 'rest',
          },
        ],
      },
    },
  });
  return s;
}

function render(element: ReactElement): string {
  return renderToStaticMarkup(
    <StoreContext.Provider value={store()}>{element}</StoreContext.Provider>,
  );
}

const SCREENS: [string, () => ReactElement, string[], string[]][] = [
  [
    'sidebar',
    () => <ServerSidebar />,
    ['Projects', 'Settings', 'connected'],
    ['Projetos', 'Configurações', 'conectado'],
  ],
  [
    'projects',
    () => <ProjectsPage />,
    ['New project', '1 degraded', 'running'],
    ['Novo projeto', '1 degradado', 'rodando'],
  ],
  [
    'project',
    () => <ProjectPage serverId="s1" instanceId="b" tab="overview" />,
    ['Endpoints', 'Credentials'],
    ['Endereços', 'Credenciais'],
  ],
  [
    'server',
    () => <ServerPage serverId="s1" />,
    ['Capacity', 'not reported by the agent'],
    ['Capacidade', 'não informado pelo agente'],
  ],
  ['settings', () => <SettingsPage />, ['Language', 'Theme'], ['Idioma', 'Tema']],
  [
    'diagnostics',
    () => <DiagnosticsPanel serverId="s1" instanceId="b" />,
    ['Run diagnostics', 'Likely a consequence'],
    [
      'Executar diagnóstico',
      'Provavelmente consequência',
      'Faça um reparo para iniciá-lo de novo.',
    ],
  ],
  ['logs', () => <LogsPage visible />, ['No logs open'], ['Nenhum log aberto']],
];

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe.each(SCREENS)('the %s screen', (_name, screen, english, portuguese) => {
  it('renders in English', async () => {
    await i18n.changeLanguage('en');
    const html = render(screen());
    for (const s of english) expect(html).toContain(s);
  });

  it('renders in Brazilian Portuguese, without the English words', async () => {
    await i18n.changeLanguage('pt-BR');
    const html = render(screen());
    for (const s of portuguese) expect(html).toContain(s);
    for (const s of english) expect(html).not.toContain(`>${s}<`);
  });
});

it('scales the load bar to the cores: 7.88 on 2 cores is a full bar', async () => {
  await i18n.changeLanguage('en');
  const html = render(<ServerPage serverId="s1" />);
  expect(html).toMatch(/aria-label="Load" aria-valuenow="100"/);
});
