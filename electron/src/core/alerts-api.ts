import type {
  AlertRule,
  AlertSettings,
  ChannelConfigInput,
  ChannelInputSchema,
} from '@protocol/alerts';
import type { MethodName } from '@protocol/methods';
import type { z } from 'zod';
import type { Route } from './projects-api';

// Its own copy of projects-api's helper: that module spreads these routes, so importing a value
// from it here would be a cycle.
function route<M extends MethodName, A extends unknown[], R>(
  rpc: M,
  spec: Omit<Route<M, A, R>, 'rpc'>,
): Route<M, A, R> {
  return { rpc, ...spec };
}

type ChannelInput = z.input<typeof ChannelInputSchema>;

/** The secret fields of a channel's settings (SMTP password, signing secret, hook URLs, token). */
function channelSecrets(config: ChannelConfigInput): string[] {
  const values: (string | undefined)[] = [];
  switch (config.type) {
    case 'email':
      values.push(config.password);
      break;
    case 'webhook':
      values.push(config.secret);
      break;
    case 'slack':
    case 'discord':
      values.push(config.url);
      break;
    case 'telegram':
      values.push(config.botToken);
      break;
  }
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** The `alerts.*` agent methods as DesktopApi routes (merged into PROJECT_ROUTES). */
export const ALERT_ROUTES = {
  getAlerts: route('alerts.get', { params: () => ({}), pick: (r) => r }),
  setAlertChannel: route('alerts.channels.set', {
    params: (channel: ChannelInput) => ({ channel }),
    secrets: (channel: ChannelInput) => channelSecrets(channel.config),
    pick: (r) => r.channel,
  }),
  deleteAlertChannel: route('alerts.channels.delete', {
    params: (id: string) => ({ id }),
    pick: (): void => undefined,
  }),
  setAlertRules: route('alerts.rules.set', {
    params: (rules: AlertRule[]) => ({ rules }),
    pick: (r) => r.rules,
  }),
  updateAlertSettings: route('alerts.settings.set', {
    params: (settings: Partial<AlertSettings>) => ({ settings }),
    pick: (r) => r.settings,
  }),
  // SMTP servers can take their time to greet; the agent's own send timeout is 15 s per step.
  testAlertChannel: route('alerts.test', {
    params: (id: string) => ({ id }),
    timeoutMs: 60_000,
    pick: (r) => r,
  }),
  alertLog: route('alerts.log', {
    params: (options?: { limit?: number }) => ({ limit: options?.limit }),
    pick: (r) => r,
  }),
};
