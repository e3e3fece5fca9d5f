import type { z } from 'zod';
import type {
  AlertEvent,
  AlertRule,
  AlertSettings,
  ChannelConfigSchema,
  QuietHours,
} from '@protocol/alerts';

/** A channel's settings with its secrets, as stored in the agent's 0600 file. */
export type ChannelConfig = z.output<typeof ChannelConfigSchema>;

export interface StoredChannel {
  id: string;
  name: string;
  enabled: boolean;
  quietHours?: QuietHours;
  maxPerHour?: number;
  config: ChannelConfig;
}

/** alerts/config.json: what admins set. `rules` absent means "the defaults". */
export interface AlertsConfigFile {
  version: 1;
  channels: StoredChannel[];
  rules?: AlertRule[];
  settings: Partial<AlertSettings>;
}

/** One message waiting for one channel: the events grouped into it so far. */
export interface OutboxItem {
  id: string;
  channelId: string;
  events: AlertEvent[];
  createdAt: number;
  /** Not sent before this (the grouping window, quiet hours, the rate limit, a retry). */
  nextAttemptAt: number;
  /** Failed sends so far; an item never tried still takes more events into its group. */
  attempts: number;
  lastError?: string;
}

/** A project's run of bad statuses, from the first one to running again. */
export interface AlertIncident {
  since: string;
  /** Whether "down" was notified (then "recovered" will be). */
  notified: boolean;
  tried: string[];
  needsAttention?: boolean;
}

/** alerts/queue.json: everything that must survive a crash for "never lost, never twice". */
export interface QueueFile {
  version: 1;
  outbox: OutboxItem[];
  /** Event keys already accepted (ms), so a repeated event is not a second message. */
  seen: Record<string, number>;
  incidents: Record<string, AlertIncident>;
  /** Host alarms raised and not yet cleared: when they began. */
  hostAlarms: { disk?: string; memory?: string };
  /** Per channel, when messages went out in the last hour (the rate limit). */
  sent: Record<string, number[]>;
  /** True while an agent runs on this data; false after a clean stop. */
  running: boolean;
}

export const DEFAULT_MAX_PER_HOUR = 20;
