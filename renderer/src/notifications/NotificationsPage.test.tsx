import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertsOverview, DeliveryLogEntry } from '@protocol/alerts';
import { createAppStore, StoreContext } from '../app/store';
import { server, testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import {
  NotificationsView,
  routes,
  toggleRoute,
  type NotificationsData,
} from './NotificationsPage';

const overview: AlertsOverview = {
  channels: [
    {
      id: 'mail',
      name: 'Ops mailbox',
      type: 'email',
      enabled: true,
      maxPerHour: 20,
      settings: {
        host: 'smtp.example.com',
        port: 587,
        from: 'a@example.com',
        to: ['ops@example.com'],
      },
      secretsSet: ['password'],
    },
    {
      id: 'tg',
      name: 'Plantão',
      type: 'telegram',
      enabled: true,
      maxPerHour: 20,
      settings: { chatId: '-100' },
      secretsSet: ['botToken'],
    },
  ],
  rules: [
    { id: 'default', events: ['project.down', 'project.recovered'], channels: ['*'] },
    { id: 'vip', events: ['repair.done'], channels: ['tg'], projects: ['abcdef'] },
  ],
  settings: {
    language: 'pt-BR',
    serverName: 'vps-sp-1',
    downAfterSeconds: 120,
    diskFreePercent: 10,
    memoryFreePercent: 5,
    groupWindowSeconds: 20,
    retryBaseSeconds: 5,
    retryMaxSeconds: 600,
    giveUpAfterHours: 24,
  },
};
const entry: DeliveryLogEntry = {
  at: '2026-12-02T03:04:05.000Z',
  deliveryId: 'd1',
  channelId: 'tg',
  channelName: 'Plantão',
  channelType: 'telegram',
  result: 'failed',
  attempt: 1,
  kinds: ['project.down'],
  projects: ['loja'],
  title: 'O projeto loja está fora do ar',
  error: 'api.telegram.org answered HTTP 401',
};

function render(data: NotificationsData): string {
  const store = createAppStore(testApi({}));
  store.getInitialState = store.getState;
  store.getState().upsertServer(server({ state: 'connected' }));
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <NotificationsView serverId="s1" data={data} reload={() => undefined} />
    </StoreContext.Provider>,
  );
}

afterEach(() => void i18n.changeLanguage('en'));

describe('Notifications page', () => {
  it('lists channels with where they send (never a secret), the routing grid and the log', () => {
    const html = render({ overview, log: { entries: [entry], pending: [] }, error: null });
    expect(html).toContain('data-channel="mail"');
    expect(html).toContain('ops@example.com');
    expect(html).toContain('-100');
    const box = (event: string, channel: string) =>
      new RegExp(`aria-label="Send “${event}” to ${channel}"( checked="")?/>`).exec(html)?.[1] ===
      ' checked=""';
    expect(box('Project down', 'Ops mailbox')).toBe(true);
    expect(box('Project recovered', 'Plantão')).toBe(true);
    expect(box('Disk almost full', 'Ops mailbox')).toBe(false);
    expect(html).toContain('Some rules apply only to certain projects or tags');
    expect(html).toContain('O projeto loja está fora do ar');
    expect(html).toContain('api.telegram.org answered HTTP 401');
  });

  it('reads in Brazilian Portuguese', async () => {
    await i18n.changeLanguage('pt-BR');
    const html = render({ overview, log: { entries: [], pending: [] }, error: null });
    expect(html).toContain('Quais eventos vão para onde');
    expect(html).toContain('Enviar teste');
    expect(html).toContain('Nada enviado ainda.');
  });

  it('unticking a cell keeps the rest of the routing and the narrowed rules', () => {
    const next = toggleRoute(overview.rules, overview.channels, 'project.recovered', 'tg');
    expect(routes(next, 'project.recovered', 'tg')).toBe(false);
    expect(routes(next, 'project.recovered', 'mail')).toBe(true);
    expect(routes(next, 'project.down', 'tg')).toBe(true);
    expect(next.find((r) => r.id === 'vip')).toEqual(overview.rules[1]);
    const back = toggleRoute(next, overview.channels, 'host.disk', 'mail');
    expect(routes(back, 'host.disk', 'mail')).toBe(true);
    expect(routes(back, 'host.disk', 'tg')).toBe(false);
  });
});
