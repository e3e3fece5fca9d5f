import type { DesktopApi } from '@contract/api';
import type { AlertsOverview, DeliveryLogEntry } from '@protocol/alerts';

/** Invented alert data for the preview and the browser harness: the Notifications page's calls. */
type AlertCalls = Pick<
  DesktopApi,
  | 'getAlerts'
  | 'setAlertChannel'
  | 'deleteAlertChannel'
  | 'setAlertRules'
  | 'updateAlertSettings'
  | 'testAlertChannel'
  | 'alertLog'
>;

export function previewAlerts(): AlertCalls {
  const state: AlertsOverview = {
    channels: [
      {
        id: 'ops-mail',
        name: 'Ops mailbox',
        type: 'email',
        enabled: true,
        maxPerHour: 20,
        quietHours: { from: '22:00', to: '07:00' },
        settings: {
          host: 'smtp.example.com',
          port: 587,
          tls: 'starttls',
          from: 'alerts@example.com',
          to: ['ops@example.com'],
        },
        secretsSet: ['password'],
      },
      {
        id: 'telegram',
        name: 'Plantão (Telegram)',
        type: 'telegram',
        enabled: true,
        maxPerHour: 20,
        settings: { chatId: '-1001234567890' },
        secretsSet: ['botToken'],
      },
    ],
    rules: [
      {
        id: 'default',
        events: [
          'project.down',
          'project.recovered',
          'project.needs-attention',
          'host.disk',
          'agent.restarted',
        ],
        channels: ['*'],
      },
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
  const log: DeliveryLogEntry[] = [
    {
      at: new Date(Date.now() - 3_600_000).toISOString(),
      deliveryId: 'd1',
      channelId: 'ops-mail',
      channelName: 'Ops mailbox',
      channelType: 'email',
      result: 'sent',
      attempt: 1,
      kinds: ['project.down'],
      projects: ['loja', 'blog', 'crm'],
      title: '3 projetos estão fora do ar',
    },
    {
      at: new Date(Date.now() - 3_500_000).toISOString(),
      deliveryId: 'd2',
      channelId: 'telegram',
      channelName: 'Plantão (Telegram)',
      channelType: 'telegram',
      result: 'failed',
      attempt: 1,
      kinds: ['project.down'],
      projects: ['loja', 'blog', 'crm'],
      title: '3 projetos estão fora do ar',
      error: 'api.telegram.org answered HTTP 401: Unauthorized',
    },
  ];
  return {
    getAlerts: async () => structuredClone(state),
    setAlertChannel: async (_sid, input) => {
      const channel = {
        id: input.id ?? `c${state.channels.length + 1}`,
        name: input.name,
        type: input.config.type,
        enabled: input.enabled ?? true,
        maxPerHour: input.maxPerHour ?? 20,
        ...(input.quietHours ? { quietHours: input.quietHours } : {}),
        settings: {},
        secretsSet: [],
      };
      state.channels = [...state.channels.filter((c) => c.id !== channel.id), channel];
      return channel;
    },
    deleteAlertChannel: async (_sid, id) => {
      state.channels = state.channels.filter((c) => c.id !== id);
    },
    setAlertRules: async (_sid, rules) => (state.rules = rules),
    updateAlertSettings: async (_sid, patch) => (state.settings = { ...state.settings, ...patch }),
    testAlertChannel: async () => ({ ok: true, ms: 240 }),
    alertLog: async () => ({ entries: [...log].reverse(), pending: [] }),
  };
}
