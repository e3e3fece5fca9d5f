import type { AlertEvent } from '@protocol/alerts';
import { discordBody, emailParts, slackBody, telegramBody, webhookBody } from '../messages/formats';
import type { RenderedMessage } from '../messages/render';
import type { ChannelConfig } from '../types';
import { postJson, postRaw, SEND_TIMEOUT_MS } from './http-post';
import {
  DELIVERY_HEADER,
  signWebhook,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from './webhook-signature';

export interface Outgoing {
  message: RenderedMessage;
  events: readonly AlertEvent[];
  /** Same id on every retry: receivers can drop a repeat (email Message-ID, webhook header). */
  deliveryId: string;
  language: string;
  now: Date;
}

export type Sender = (config: ChannelConfig, out: Outgoing) => Promise<void>;

async function sendEmail(config: Extract<ChannelConfig, { type: 'email' }>, out: Outgoing) {
  // Loaded on the first email, not at agent start: most servers never send one, and nodemailer
  // is most of the agent's bundle.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    ignoreTLS: config.tls === 'none',
    ...(config.username ? { auth: { user: config.username, pass: config.password ?? '' } } : {}),
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  try {
    const parts = emailParts(out.message);
    await transport.sendMail({
      from: config.from,
      to: config.to,
      subject: parts.subject,
      text: parts.text,
      html: parts.html,
      messageId: `<${out.deliveryId}@ultrabase.alerts>`,
      headers: {
        'X-Ultrabase-Delivery': out.deliveryId,
        // For mail filters: which kinds of happening this message reports.
        'X-Ultrabase-Kinds': [...new Set(out.events.map((e) => e.kind))].join(', ') || 'test',
      },
    });
  } finally {
    transport.close();
  }
}

async function sendWebhook(config: Extract<ChannelConfig, { type: 'webhook' }>, out: Outgoing) {
  const body = Buffer.from(
    JSON.stringify(
      webhookBody(out.message, out.events, out.deliveryId, out.language, out.now.toISOString()),
    ),
    'utf8',
  );
  const timestamp = Math.floor(out.now.getTime() / 1000);
  await postRaw(config.url, body, {
    [DELIVERY_HEADER]: out.deliveryId,
    [TIMESTAMP_HEADER]: String(timestamp),
    ...(config.secret ? { [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body) } : {}),
  });
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new Error(`${what} is not set`);
  return value;
}

/** One sender per channel type. */
export const sendTo: Sender = async (config, out) => {
  switch (config.type) {
    case 'email':
      return sendEmail(config, out);
    case 'webhook':
      return sendWebhook(config, out);
    case 'slack':
      return postJson(need(config.url, 'the Slack webhook URL'), slackBody(out.message));
    case 'discord':
      return postJson(
        need(config.url, 'the Discord webhook URL'),
        discordBody(out.message, out.now.toISOString()),
      );
    case 'telegram': {
      const base = (config.apiBase ?? 'https://api.telegram.org').replace(/\/+$/, '');
      const token = need(config.botToken, 'the Telegram bot token');
      return postJson(`${base}/bot${token}/sendMessage`, telegramBody(out.message, config.chatId));
    }
  }
};
