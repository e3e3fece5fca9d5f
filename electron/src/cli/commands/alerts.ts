import { UltrabaseError } from '@contract/errors';
import {
  ALERT_KINDS,
  CHANNEL_TYPES,
  type AlertKind,
  type AlertRule,
  type ChannelConfigInput,
  type ChannelPublic,
  type DeliveryLogEntry,
} from '@protocol/alerts';
import { defineCommand, type CommandContext } from '../command-table';
import { UsageError } from '../usage-error';
import type { Translate } from '../i18n';
import { table } from '../output';
import { connectedServer } from './lookup';

const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function needs(type: string, flags: string): UsageError {
  return new UsageError('INVALID_FLAG_VALUE', 'alerts.usage.needs', { type, flags });
}

export function channelsTable(channels: ChannelPublic[], t: Translate): string {
  return table(
    [
      t('alerts.headers.id'),
      t('alerts.headers.name'),
      t('alerts.headers.type'),
      t('alerts.headers.target'),
      t('alerts.headers.enabled'),
    ],
    channels.map((c) => [
      c.id,
      c.name,
      c.type,
      String(c.settings.url ?? c.settings.to ?? c.settings.chatId ?? c.settings.host ?? '—'),
      c.enabled ? t('alerts.yes') : t('alerts.no'),
    ]),
  );
}

export function rulesTable(rules: AlertRule[], t: Translate): string {
  return table(
    [
      t('alerts.headers.id'),
      t('alerts.headers.events'),
      t('alerts.headers.channels'),
      t('alerts.headers.scope'),
    ],
    rules.map((r) => [
      r.id,
      r.events.join(', '),
      r.channels.join(', '),
      [...(r.projects ?? []), ...(r.tags ?? []).map((tag) => `#${tag}`)].join(', ') ||
        t('alerts.allProjects'),
    ]),
  );
}

export function logTable(entries: DeliveryLogEntry[], t: Translate): string {
  return table(
    [
      t('alerts.headers.when'),
      t('alerts.headers.channel'),
      t('alerts.headers.result'),
      t('alerts.headers.message'),
    ],
    entries.map((e) => [
      e.at.slice(0, 19).replace('T', ' '),
      e.channelName,
      `${e.result}${e.attempt > 1 ? ` (#${e.attempt})` : ''}`,
      `${e.title}${e.error ? ` — ${e.error}` : ''}`,
    ]),
  );
}

/** The one secret a channel type needs, read from stdin or asked for on a terminal. */
async function channelSecret(
  ctx: CommandContext,
  type: string,
  fromStdin: boolean,
): Promise<string> {
  const key =
    type === 'email'
      ? 'alerts.secrets.smtpPassword'
      : type === 'webhook'
        ? 'alerts.secrets.webhookSecret'
        : type === 'telegram'
          ? 'alerts.secrets.botToken'
          : 'alerts.secrets.hookUrl';
  return fromStdin ? ctx.secrets.fromStdin({ key }) : ctx.secrets.prompt({ key }, '--secret-stdin');
}

const channelsList = defineCommand({
  path: ['alerts', 'channels', 'list'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'alerts.help.channelsList',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const { channels } = await ctx.desktop.getAlerts(server.id);
    return { data: channels, human: () => channelsTable(channels, ctx.messages.t) };
  },
});

const channelsAdd = defineCommand({
  path: ['alerts', 'channels', 'add'],
  args: [{ name: 'server' }],
  flags: {
    type: { type: 'choice', choices: CHANNEL_TYPES },
    name: { type: 'string', placeholder: 'name', required: true },
    id: { type: 'string', placeholder: 'id' },
    host: { type: 'string', placeholder: 'smtp-host' },
    port: { type: 'number', placeholder: 'port' },
    tls: { type: 'choice', choices: ['implicit', 'starttls', 'none'] },
    username: { type: 'string', placeholder: 'smtp-user' },
    from: { type: 'string', placeholder: 'address' },
    to: { type: 'string', placeholder: 'a@x,b@y' },
    url: { type: 'string', placeholder: 'webhook-url' },
    'chat-id': { type: 'string', placeholder: 'chat-id' },
    'quiet-hours': { type: 'string', placeholder: 'HH:MM-HH:MM' },
    'max-per-hour': { type: 'number', placeholder: 'n' },
    'secret-stdin': { type: 'boolean' },
    disabled: { type: 'boolean' },
  },
  help: 'alerts.help.channelsAdd',
  async run(ctx, { args, flags }) {
    const type = flags.type;
    if (!type)
      throw new UsageError('MISSING_ARGUMENT', 'usageErrors.flagRequired', { flag: 'type' });
    let config: ChannelConfigInput;
    switch (type) {
      case 'email': {
        if (!flags.host || !flags.from || !flags.to) {
          throw needs(type, '--host, --from, --to');
        }
        config = {
          type,
          host: flags.host,
          port: flags.port ?? (flags.tls === 'implicit' ? 465 : 587),
          tls: flags.tls ?? 'starttls',
          from: flags.from,
          to: list(flags.to) ?? [],
          ...(flags.username
            ? {
                username: flags.username,
                password: await channelSecret(ctx, type, flags['secret-stdin']),
              }
            : {}),
        };
        break;
      }
      case 'webhook':
        if (!flags.url) throw needs(type, '--url');
        config = {
          type,
          url: flags.url,
          secret: await channelSecret(ctx, type, flags['secret-stdin']),
        };
        break;
      case 'slack':
      case 'discord':
        // The incoming-webhook URL is the credential: never a flag value.
        config = { type, url: await channelSecret(ctx, type, flags['secret-stdin']) };
        break;
      case 'telegram':
        if (!flags['chat-id']) throw needs(type, '--chat-id');
        config = {
          type,
          chatId: flags['chat-id'],
          botToken: await channelSecret(ctx, type, flags['secret-stdin']),
        };
        break;
    }
    let quietHours: { from: string; to: string } | undefined;
    if (flags['quiet-hours']) {
      const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(flags['quiet-hours']);
      if (!m) throw new UsageError('INVALID_FLAG_VALUE', 'alerts.usage.quietHours');
      quietHours = { from: m[1]!, to: m[2]! };
    }
    const server = await connectedServer(ctx, args.server);
    const channel = await ctx.desktop.setAlertChannel(server.id, {
      ...(flags.id ? { id: flags.id } : {}),
      name: flags.name,
      enabled: !flags.disabled,
      ...(quietHours ? { quietHours } : {}),
      ...(flags['max-per-hour'] !== undefined ? { maxPerHour: flags['max-per-hour'] } : {}),
      config,
    });
    return {
      data: channel,
      human: () =>
        ctx.messages.t('alerts.results.channelSaved', { id: channel.id, server: server.name }),
    };
  },
});

const channelsRemove = defineCommand({
  path: ['alerts', 'channels', 'remove'],
  args: [{ name: 'server' }, { name: 'channel' }],
  flags: {},
  help: 'alerts.help.channelsRemove',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    await ctx.desktop.deleteAlertChannel(server.id, args.channel);
    return {
      data: { ok: true },
      human: () => ctx.messages.t('alerts.results.channelRemoved', { id: args.channel }),
    };
  },
});

const rulesList = defineCommand({
  path: ['alerts', 'rules', 'list'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'alerts.help.rulesList',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const { rules } = await ctx.desktop.getAlerts(server.id);
    return { data: rules, human: () => rulesTable(rules, ctx.messages.t) };
  },
});

const rulesAdd = defineCommand({
  path: ['alerts', 'rules', 'add'],
  args: [{ name: 'server' }, { name: 'rule' }],
  flags: {
    events: { type: 'string', placeholder: 'kind,kind', required: true },
    channels: { type: 'string', placeholder: 'id,id|*', required: true },
    projects: { type: 'string', placeholder: 'id,id' },
    tags: { type: 'string', placeholder: 'tag,tag' },
  },
  help: 'alerts.help.rulesAdd',
  async run(ctx, { args, flags }) {
    const events = list(flags.events) ?? [];
    const unknown = events.find((e) => !(ALERT_KINDS as readonly string[]).includes(e));
    if (unknown) {
      throw new UsageError('INVALID_FLAG_VALUE', 'alerts.usage.unknownEvent', {
        event: unknown,
        kinds: ALERT_KINDS.join(', '),
      });
    }
    const server = await connectedServer(ctx, args.server);
    const { rules } = await ctx.desktop.getAlerts(server.id);
    const rule: AlertRule = {
      id: args.rule,
      events: events as AlertKind[],
      channels: list(flags.channels) ?? [],
      ...(flags.projects ? { projects: list(flags.projects) } : {}),
      ...(flags.tags ? { tags: list(flags.tags) } : {}),
    };
    const saved = await ctx.desktop.setAlertRules(server.id, [
      ...rules.filter((r) => r.id !== rule.id),
      rule,
    ]);
    return { data: saved, human: () => rulesTable(saved, ctx.messages.t) };
  },
});

const rulesRemove = defineCommand({
  path: ['alerts', 'rules', 'remove'],
  args: [{ name: 'server' }, { name: 'rule' }],
  flags: {},
  help: 'alerts.help.rulesRemove',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const { rules } = await ctx.desktop.getAlerts(server.id);
    if (!rules.some((r) => r.id === args.rule)) {
      throw new UltrabaseError('NOT_FOUND', `No rule "${args.rule}" on ${server.name}.`);
    }
    const saved = await ctx.desktop.setAlertRules(
      server.id,
      rules.filter((r) => r.id !== args.rule),
    );
    return { data: saved, human: () => rulesTable(saved, ctx.messages.t) };
  },
});

const settings = defineCommand({
  path: ['alerts', 'settings'],
  args: [{ name: 'server' }],
  flags: {
    language: { type: 'choice', choices: ['en', 'pt-BR'] },
    'server-name': { type: 'string', placeholder: 'name' },
    'down-after': { type: 'number', placeholder: 'seconds' },
    'disk-free-percent': { type: 'number', placeholder: 'percent' },
    'memory-free-percent': { type: 'number', placeholder: 'percent' },
    'group-window': { type: 'number', placeholder: 'seconds' },
  },
  help: 'alerts.help.settings',
  async run(ctx, { args, flags }) {
    const server = await connectedServer(ctx, args.server);
    const change = {
      ...(flags.language ? { language: flags.language } : {}),
      ...(flags['server-name'] ? { serverName: flags['server-name'] } : {}),
      ...(flags['down-after'] !== undefined ? { downAfterSeconds: flags['down-after'] } : {}),
      ...(flags['disk-free-percent'] !== undefined
        ? { diskFreePercent: flags['disk-free-percent'] }
        : {}),
      ...(flags['memory-free-percent'] !== undefined
        ? { memoryFreePercent: flags['memory-free-percent'] }
        : {}),
      ...(flags['group-window'] !== undefined ? { groupWindowSeconds: flags['group-window'] } : {}),
    };
    const result = Object.keys(change).length
      ? await ctx.desktop.updateAlertSettings(server.id, change)
      : (await ctx.desktop.getAlerts(server.id)).settings;
    return {
      data: result,
      human: () =>
        Object.entries(result)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('\n'),
    };
  },
});

const test = defineCommand({
  path: ['alerts', 'test'],
  args: [{ name: 'server' }, { name: 'channel' }],
  flags: {},
  help: 'alerts.help.test',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const r = await ctx.desktop.testAlertChannel(server.id, args.channel);
    return {
      data: r,
      human: () => ctx.messages.t('alerts.results.testSent', { id: args.channel, ms: r.ms }),
    };
  },
});

const log = defineCommand({
  path: ['alerts', 'log'],
  args: [{ name: 'server' }],
  flags: { limit: { type: 'number', placeholder: 'n' } },
  help: 'alerts.help.log',
  async run(ctx, { args, flags }) {
    const server = await connectedServer(ctx, args.server);
    const r = await ctx.desktop.alertLog(server.id, { limit: flags.limit });
    return {
      data: r,
      human: () => {
        const t = ctx.messages.t;
        const pending = r.pending.length
          ? `\n\n${t('alerts.results.pending', { n: r.pending.length })}`
          : '';
        return `${logTable(r.entries, t)}${pending}`;
      },
    };
  },
});

export const alertCommands = [
  channelsList,
  channelsAdd,
  channelsRemove,
  rulesList,
  rulesAdd,
  rulesRemove,
  settings,
  test,
  log,
];
