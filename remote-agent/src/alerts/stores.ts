import os from 'node:os';
import path from 'node:path';
import { AGENT_VERSION } from '../version';
import type { AlertRule, AlertSettings, DeliveryLogEntry } from '@protocol/alerts';
import { JsonFile } from './json-file';
import type { AlertsConfigFile, QueueFile } from './types';

export const LOG_KEEP = 500;

export function defaultSettings(): AlertSettings {
  return {
    language: 'en',
    serverName: os.hostname(),
    downAfterSeconds: 120,
    diskFreePercent: 10,
    memoryFreePercent: 5,
    groupWindowSeconds: 20,
    retryBaseSeconds: 5,
    retryMaxSeconds: 600,
    giveUpAfterHours: 24,
  };
}

/** What a new server routes before an admin changes anything: every problem, to every channel. */
export const DEFAULT_RULES: readonly AlertRule[] = [
  {
    id: 'default',
    events: [
      'project.down',
      'project.recovered',
      'project.needs-attention',
      'creation.failed',
      'upgrade.failed',
      'backup.failed',
      'restore-drill.failed',
      'certificate.expiring',
      'host.disk',
      'host.memory',
      'agent.restarted',
      'operation.disk-full',
    ],
    channels: ['*'],
  },
];

function ensureObject(raw: unknown, what: string): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${what} is not a JSON object`);
  }
  return raw as Record<string, unknown>;
}

export interface AlertStores {
  config: JsonFile<AlertsConfigFile>;
  queue: JsonFile<QueueFile>;
  log: JsonFile<{ version: 1; entries: DeliveryLogEntry[] }>;
  /** True when the queue file existed: the agent ran on this data before. */
  existed: boolean;
}

/** The three alert files under `<dataDir>/alerts/` (0700 folder, 0600 files). */
export async function openAlertStores(dataDir: string): Promise<AlertStores> {
  const dir = path.join(dataDir, 'alerts');
  let existed = true;
  const config = await JsonFile.open<AlertsConfigFile>(
    path.join(dir, 'config.json'),
    () => ({ version: 1, channels: [], settings: {} }),
    (raw) => {
      const o = ensureObject(raw, 'alerts/config.json');
      return {
        version: 1,
        channels: Array.isArray(o.channels) ? (o.channels as AlertsConfigFile['channels']) : [],
        ...(Array.isArray(o.rules) ? { rules: o.rules as AlertRule[] } : {}),
        settings: (o.settings ?? {}) as Partial<AlertSettings>,
      };
    },
  );
  const queue = await JsonFile.open<QueueFile>(
    path.join(dir, 'queue.json'),
    () => {
      existed = false;
      return {
        version: 1,
        outbox: [],
        seen: {},
        incidents: {},
        hostAlarms: {},
        sent: {},
        running: false,
      };
    },
    (raw) => {
      const o = ensureObject(raw, 'alerts/queue.json');
      return {
        version: 1,
        outbox: Array.isArray(o.outbox) ? (o.outbox as QueueFile['outbox']) : [],
        seen: (o.seen ?? {}) as QueueFile['seen'],
        incidents: (o.incidents ?? {}) as QueueFile['incidents'],
        hostAlarms: (o.hostAlarms ?? {}) as QueueFile['hostAlarms'],
        sent: (o.sent ?? {}) as QueueFile['sent'],
        running: o.running === true,
      };
    },
  );
  const log = await JsonFile.open(
    path.join(dir, 'log.json'),
    () => ({ version: 1 as const, entries: [] as DeliveryLogEntry[] }),
    (raw) => {
      const o = ensureObject(raw, 'alerts/log.json');
      return {
        version: 1 as const,
        entries: Array.isArray(o.entries) ? (o.entries as DeliveryLogEntry[]) : [],
      };
    },
  );
  return { config, queue, log, existed };
}

export const USER_AGENT = `ultrabase-agent/${AGENT_VERSION}`;
