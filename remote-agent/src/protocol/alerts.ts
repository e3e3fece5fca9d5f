import { z } from 'zod';

/**
 * Alerts: the agent notifies people (email, webhook, Slack, Discord, Telegram) when something
 * happens while no desktop app is open. The wire contract of the `alerts.*` methods (admins only).
 */

/**
 * Every kind of happening a rule can route. Some are emitted by other parts of the agent as they
 * land (upgrades, backups, restore drills, certificates): they call the alert service's
 * `notify` with one of these kinds.
 */
export const ALERT_KINDS = [
  'project.down',
  'project.recovered',
  'repair.done',
  'project.needs-attention',
  'creation.failed',
  'upgrade.failed',
  'backup.failed',
  'restore-drill.failed',
  'certificate.expiring',
  'host.disk',
  'host.memory',
  'agent.restarted',
  /** An operation stopped because the data directory's disk filled up, and was rolled back. */
  'operation.disk-full',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** Critical ones go out even in a channel's quiet hours. */
export const ALERT_SEVERITY: Record<AlertKind, AlertSeverity> = {
  'project.down': 'critical',
  'project.recovered': 'info',
  'repair.done': 'info',
  'project.needs-attention': 'critical',
  'creation.failed': 'warning',
  'upgrade.failed': 'critical',
  'backup.failed': 'critical',
  'restore-drill.failed': 'warning',
  'certificate.expiring': 'warning',
  'host.disk': 'critical',
  'host.memory': 'warning',
  'agent.restarted': 'warning',
  'operation.disk-full': 'critical',
};

/** One happening, as facts; the message text is made from it in the server's language. */
export interface AlertEvent {
  kind: AlertKind;
  /** Identity of the happening: a second event with the same key is the same notification. */
  key: string;
  /** When the agent noticed it (ISO). */
  at: string;
  /** When the condition began (ISO), e.g. the first degraded status. */
  since?: string;
  instanceId?: string;
  /** The project's name, as people know it. */
  project?: string;
  /** Tags of the project, for rules that route by tag. */
  tags?: string[];
  /** What happened, in the agent's words (an error reason, the failing checks). */
  detail?: string;
  /** What the agent already tried (repairs and their outcome). */
  tried?: string[];
  /** Numbers the message quotes (free disk %, days to expiry, downtime seconds…). */
  facts?: Record<string, string | number | boolean>;
}

export const CHANNEL_TYPES = ['email', 'webhook', 'slack', 'discord', 'telegram'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const secret = z.string().min(1).max(2048);
const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'an http(s) URL');
const email = z
  .string()
  .max(320)
  .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an email address');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

/**
 * Channel settings as sent by the app. Secret fields (SMTP password, webhook signing secret,
 * Slack/Discord URL, Telegram bot token) may be left out on an update to keep the stored one.
 */
export const ChannelConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('email'),
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65535),
      /** implicit: TLS from the first byte (465); starttls: required upgrade; none: plain. */
      tls: z.enum(['implicit', 'starttls', 'none']).default('starttls'),
      username: z.string().max(320).optional(),
      password: secret.optional(),
      from: email,
      to: z.array(email).min(1).max(20),
    })
    .strict(),
  z.object({ type: z.literal('webhook'), url: httpUrl, secret: secret.optional() }).strict(),
  z.object({ type: z.literal('slack'), url: httpUrl.optional() }).strict(),
  z.object({ type: z.literal('discord'), url: httpUrl.optional() }).strict(),
  z
    .object({
      type: z.literal('telegram'),
      botToken: secret.optional(),
      chatId: z
        .string()
        .regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$/, 'a numeric chat id or @channel'),
      /** Only for tests against a local receiver; the default is Telegram's API. */
      apiBase: httpUrl.optional(),
    })
    .strict(),
]);
export type ChannelConfigInput = z.input<typeof ChannelConfigSchema>;

export const QuietHoursSchema = z
  .object({ from: hhmm, to: hhmm, timeZone: z.string().max(64).optional() })
  .strict();
export type QuietHours = z.infer<typeof QuietHoursSchema>;

const channelId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a channel id (a-z, 0-9, -)');

export const ChannelInputSchema = z
  .object({
    /** Absent: a new channel. */
    id: channelId.optional(),
    name: z.string().min(1).max(80),
    enabled: z.boolean().default(true),
    /** Non-critical alerts wait until the quiet hours end (then go as one message). */
    quietHours: QuietHoursSchema.nullable().optional(),
    /** Messages per hour at most; more wait and are grouped (default 20). */
    maxPerHour: z.number().int().min(1).max(1000).optional(),
    config: ChannelConfigSchema,
  })
  .strict();

/** A channel as the app sees it: secrets replaced by whether they are set. */
export interface ChannelPublic {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  quietHours?: QuietHours;
  maxPerHour: number;
  /** The non-secret settings (host, port, addresses, chat id, the webhook's URL). */
  settings: Record<string, string | number | string[]>;
  /** Which secret fields are stored (never their values). */
  secretsSet: string[];
}

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
    events: z.array(z.enum(ALERT_KINDS)).min(1),
    /** Channel ids, or ['*'] for every channel. */
    channels: z.array(z.union([channelId, z.literal('*')])).min(1),
    /** Only these projects (instance ids); absent: all. */
    projects: z.array(z.string().regex(/^[a-z0-9]{6,32}$/)).optional(),
    /** Only projects with one of these tags; absent: all. */
    tags: z.array(z.string().min(1).max(40)).optional(),
  })
  .strict();
export type AlertRule = z.infer<typeof RuleSchema>;

export const AlertSettingsSchema = z
  .object({
    language: z.enum(['en', 'pt-BR']),
    /** How the server is named in messages (default: its host name). */
    serverName: z.string().min(1).max(80),
    /** A project counts as down once degraded this long. */
    downAfterSeconds: z.number().int().min(0).max(86_400),
    /** Alarm when free disk (agent's data folder) falls under this share. */
    diskFreePercent: z.number().min(0).max(100),
    memoryFreePercent: z.number().min(0).max(100),
    /** Events to one channel within this window go out as one message. */
    groupWindowSeconds: z.number().int().min(0).max(3600),
    retryBaseSeconds: z.number().int().min(1).max(3600),
    retryMaxSeconds: z.number().int().min(1).max(86_400),
    /** A notification that could not be delivered for this long is dropped (and logged). */
    giveUpAfterHours: z.number().int().min(1).max(168),
  })
  .strict();
export type AlertSettings = z.infer<typeof AlertSettingsSchema>;

export interface DeliveryLogEntry {
  at: string;
  /** The outbox item (also the webhook's X-Ultrabase-Delivery and the email's Message-ID). */
  deliveryId: string;
  channelId: string;
  channelName: string;
  channelType: ChannelType;
  result: 'sent' | 'failed' | 'dropped';
  attempt: number;
  kinds: AlertKind[];
  projects: string[];
  title: string;
  error?: string;
  test?: boolean;
}

export interface PendingDelivery {
  deliveryId: string;
  channelId: string;
  kinds: AlertKind[];
  projects: string[];
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
}

export const AlertMethodParams = {
  'alerts.get': z.object({}).strict(),
  'alerts.channels.set': z.object({ channel: ChannelInputSchema }).strict(),
  'alerts.channels.delete': z.object({ id: channelId }).strict(),
  /** Replaces every rule at once (the app edits the list as a whole). */
  'alerts.rules.set': z.object({ rules: z.array(RuleSchema).max(100) }).strict(),
  'alerts.settings.set': z.object({ settings: AlertSettingsSchema.partial() }).strict(),
  /** Sends a sample message through one channel now (not through the outbox). */
  'alerts.test': z.object({ id: channelId }).strict(),
  'alerts.log': z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(),
} as const;

export interface AlertsOverview {
  channels: ChannelPublic[];
  rules: AlertRule[];
  settings: AlertSettings;
}

export interface AlertMethodResults {
  'alerts.get': AlertsOverview;
  'alerts.channels.set': { channel: ChannelPublic };
  'alerts.channels.delete': { ok: true };
  'alerts.rules.set': { rules: AlertRule[] };
  'alerts.settings.set': { settings: AlertSettings };
  'alerts.test': { ok: true; ms: number };
  'alerts.log': { entries: DeliveryLogEntry[]; pending: PendingDelivery[] };
}
