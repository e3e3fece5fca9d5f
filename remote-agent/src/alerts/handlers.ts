import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { AlertMethodResults, AlertMethodParams } from '@protocol/alerts';
import type { z } from 'zod';
import type { Caller } from '../auth/service';
import { requireAdmin } from '../instances/permissions';
import { sendTo, type Sender } from './channels/send';
import { mergeChannel, publicChannel } from './channel-view';
import { messageOf } from './delivery';
import { testMessage } from './messages/render';
import type { AlertService } from './service';
import { LOG_KEEP } from './stores';

type P<M extends keyof typeof AlertMethodParams> = z.output<(typeof AlertMethodParams)[M]>;
type R<M extends keyof AlertMethodResults> = Promise<AlertMethodResults[M]> | AlertMethodResults[M];

export interface AlertHandlers {
  'alerts.get'(p: P<'alerts.get'>, caller: Caller): R<'alerts.get'>;
  'alerts.channels.set'(p: P<'alerts.channels.set'>, caller: Caller): R<'alerts.channels.set'>;
  'alerts.channels.delete'(
    p: P<'alerts.channels.delete'>,
    caller: Caller,
  ): R<'alerts.channels.delete'>;
  'alerts.rules.set'(p: P<'alerts.rules.set'>, caller: Caller): R<'alerts.rules.set'>;
  'alerts.settings.set'(p: P<'alerts.settings.set'>, caller: Caller): R<'alerts.settings.set'>;
  'alerts.test'(p: P<'alerts.test'>, caller: Caller): R<'alerts.test'>;
  'alerts.log'(p: P<'alerts.log'>, caller: Caller): R<'alerts.log'>;
}

/** The `alerts.*` methods: admins only (channels hold secrets, the log names every project). */
export function createAlertHandlers(alerts: AlertService, send: Sender = sendTo): AlertHandlers {
  const { config, log } = alerts.stores;
  const notFound = (id: string) =>
    new AgentError(ErrorCode.NOT_FOUND, `No alert channel "${id}" on this server.`, { id });
  const overview = () => ({
    channels: alerts.channels().map(publicChannel),
    rules: alerts.rules(),
    settings: alerts.settings(),
  });

  return {
    'alerts.get': (_p, caller) => {
      requireAdmin(caller);
      return overview();
    },
    'alerts.channels.set': async ({ channel }, caller) => {
      requireAdmin(caller);
      const existing = channel.id ? alerts.channels().find((c) => c.id === channel.id) : undefined;
      const stored = mergeChannel(channel, existing);
      const others = config.value.channels.filter((c) => c.id !== stored.id);
      config.value.channels = [...others, stored];
      await config.save();
      alerts.guardSecrets(stored);
      return { channel: publicChannel(stored) };
    },
    'alerts.channels.delete': async ({ id }, caller) => {
      requireAdmin(caller);
      if (!alerts.channels().some((c) => c.id === id)) throw notFound(id);
      config.value.channels = config.value.channels.filter((c) => c.id !== id);
      if (config.value.rules) {
        config.value.rules = config.value.rules
          .map((r) => ({ ...r, channels: r.channels.filter((c) => c !== id) }))
          .filter((r) => r.channels.length > 0);
      }
      await config.save();
      alerts.deliverer.kick();
      return { ok: true };
    },
    'alerts.rules.set': async ({ rules }, caller) => {
      requireAdmin(caller);
      const known = new Set(alerts.channels().map((c) => c.id));
      for (const rule of rules) {
        const unknown = rule.channels.find((c) => c !== '*' && !known.has(c));
        if (unknown) {
          throw new AgentError(
            ErrorCode.INVALID_PARAMS,
            `Rule "${rule.id}" names channel "${unknown}", which does not exist.`,
            { rule: rule.id, channel: unknown },
          );
        }
      }
      const ids = rules.map((r) => r.id);
      const dup = ids.find((id, i) => ids.indexOf(id) !== i);
      if (dup) throw new AgentError(ErrorCode.INVALID_PARAMS, `Two rules are named "${dup}".`);
      config.value.rules = rules;
      await config.save();
      return { rules };
    },
    'alerts.settings.set': async ({ settings }, caller) => {
      requireAdmin(caller);
      config.value.settings = { ...config.value.settings, ...settings };
      await config.save();
      alerts.deliverer.kick();
      return { settings: alerts.settings() };
    },
    'alerts.test': async ({ id }, caller) => {
      requireAdmin(caller);
      const channel = alerts.channels().find((c) => c.id === id);
      if (!channel) throw notFound(id);
      const settings = alerts.settings();
      const started = Date.now();
      const deliveryId = `test-${started.toString(36)}`;
      const message = testMessage(
        { language: settings.language, server: settings.serverName },
        new Date().toISOString(),
      );
      let error: string | undefined;
      try {
        await send(channel.config, {
          message,
          events: [],
          deliveryId,
          language: settings.language,
          now: new Date(),
        });
      } catch (e) {
        error = messageOf(e);
      }
      log.value.entries.push({
        at: new Date().toISOString(),
        deliveryId,
        channelId: channel.id,
        channelName: channel.name,
        channelType: channel.config.type,
        result: error ? 'failed' : 'sent',
        attempt: 1,
        kinds: [],
        projects: [],
        title: message.title,
        test: true,
        ...(error ? { error } : {}),
      });
      if (log.value.entries.length > LOG_KEEP) log.value.entries.shift();
      await log.save();
      if (error) {
        throw new AgentError(
          ErrorCode.ALERT_DELIVERY_FAILED,
          `The test message did not go through: ${error}`,
          { channel: id, reason: error },
        );
      }
      return { ok: true, ms: Date.now() - started };
    },
    'alerts.log': ({ limit }, caller) => {
      requireAdmin(caller);
      const entries = log.value.entries.slice(-(limit ?? 100)).reverse();
      const pending = alerts.stores.queue.value.outbox.map((i) => ({
        deliveryId: i.id,
        channelId: i.channelId,
        kinds: [...new Set(i.events.map((e) => e.kind))],
        projects: [...new Set(i.events.flatMap((e) => (e.project ? [e.project] : [])))],
        attempts: i.attempts,
        nextAttemptAt: new Date(i.nextAttemptAt).toISOString(),
        ...(i.lastError ? { lastError: i.lastError } : {}),
      }));
      return { entries, pending };
    },
  };
}
