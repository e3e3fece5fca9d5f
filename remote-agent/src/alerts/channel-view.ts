import { randomBytes } from 'node:crypto';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { ChannelPublic, ChannelInputSchema } from '@protocol/alerts';
import type { z } from 'zod';
import { DEFAULT_MAX_PER_HOUR, type ChannelConfig, type StoredChannel } from './types';

type ChannelInput = z.output<typeof ChannelInputSchema>;

/** Fields that are secrets for each channel type (never sent back to the app). */
const SECRET_FIELDS: Record<ChannelConfig['type'], string[]> = {
  email: ['password'],
  webhook: ['secret'],
  slack: ['url'],
  discord: ['url'],
  telegram: ['botToken'],
};

/** What must be set, after keeping stored secrets, for a channel to be able to send. */
const REQUIRED: Record<ChannelConfig['type'], { field: string; what: string }[]> = {
  email: [],
  webhook: [{ field: 'secret', what: 'a signing secret' }],
  slack: [{ field: 'url', what: 'the incoming webhook URL' }],
  discord: [{ field: 'url', what: 'the webhook URL' }],
  telegram: [{ field: 'botToken', what: 'the bot token' }],
};

export function publicChannel(c: StoredChannel): ChannelPublic {
  const secrets = SECRET_FIELDS[c.config.type];
  const settings: ChannelPublic['settings'] = {};
  const secretsSet: string[] = [];
  for (const [key, value] of Object.entries(c.config)) {
    if (key === 'type' || value === undefined) continue;
    if (secrets.includes(key)) secretsSet.push(key);
    else settings[key] = value as string | number | string[];
  }
  return {
    id: c.id,
    name: c.name,
    type: c.config.type,
    enabled: c.enabled,
    ...(c.quietHours ? { quietHours: c.quietHours } : {}),
    maxPerHour: c.maxPerHour ?? DEFAULT_MAX_PER_HOUR,
    settings,
    secretsSet,
  };
}

/**
 * The stored channel an update makes: a secret left out keeps the stored one (the app never
 * sees it, so it cannot send it back), as long as the type is the same.
 */
export function mergeChannel(
  input: ChannelInput,
  existing: StoredChannel | undefined,
): StoredChannel {
  const config = { ...input.config } as Record<string, unknown>;
  if (existing && existing.config.type === input.config.type) {
    const old = existing.config as Record<string, unknown>;
    for (const field of SECRET_FIELDS[input.config.type]) {
      if (config[field] === undefined && old[field] !== undefined) config[field] = old[field];
    }
  }
  for (const { field, what } of REQUIRED[input.config.type]) {
    if (typeof config[field] !== 'string' || config[field] === '') {
      throw new AgentError(
        ErrorCode.INVALID_PARAMS,
        `A ${input.config.type} channel needs ${what}.`,
        {
          field,
        },
      );
    }
  }
  if (input.config.type === 'email' && config.username && !config.password) {
    throw new AgentError(ErrorCode.INVALID_PARAMS, 'An SMTP user name needs its password.', {
      field: 'password',
    });
  }
  const quietHours = input.quietHours === undefined ? existing?.quietHours : input.quietHours;
  return {
    id: input.id ?? existing?.id ?? `c${randomBytes(4).toString('hex')}`,
    name: input.name,
    enabled: input.enabled,
    ...(quietHours ? { quietHours } : {}),
    ...((input.maxPerHour ?? existing?.maxPerHour) !== undefined
      ? { maxPerHour: input.maxPerHour ?? existing?.maxPerHour }
      : {}),
    config: config as ChannelConfig,
  };
}
