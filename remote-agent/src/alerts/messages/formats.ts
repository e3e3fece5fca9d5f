import type { AlertEvent } from '@protocol/alerts';
import type { RenderedMessage } from './render';

/** Each channel's rich format, made from the same rendered message as the plain text. */

const COLOURS = { critical: 0xd93025, warning: 0xf29900, info: 0x1e8e3e } as const;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function emailParts(m: RenderedMessage): { subject: string; text: string; html: string } {
  const items = m.items
    .map(
      (item) =>
        `<h3 style="margin:16px 0 4px">${escapeHtml(item.heading)}</h3><table>` +
        item.fields
          .map(
            (f) =>
              `<tr><td style="color:#555;padding-right:12px;vertical-align:top">${escapeHtml(
                f.label,
              )}</td><td>${escapeHtml(f.value)}</td></tr>`,
          )
          .join('') +
        '</table>',
    )
    .join('');
  const more = m.omitted > 0 ? `<p>${escapeHtml(m.text.trim().split('\n').pop() ?? '')}</p>` : '';
  return {
    subject: `[Ultrabase] ${m.server}: ${m.title}`,
    text: m.text,
    html: `<!doctype html><html><body style="font-family:sans-serif"><h2>${escapeHtml(
      m.title,
    )}</h2>${items}${more}</body></html>`,
  };
}

/** The generic webhook's JSON: the text for people and the events as facts for programs. */
export function webhookBody(
  m: RenderedMessage,
  events: readonly AlertEvent[],
  deliveryId: string,
  language: string,
  sentAt: string,
): Record<string, unknown> {
  return {
    id: deliveryId,
    sentAt,
    server: m.server,
    language,
    severity: m.severity,
    title: m.title,
    text: m.text,
    events,
  };
}

/** Slack's mrkdwn treats &, < and > as markup. */
const slackEscape = (t: string) =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackBody(m: RenderedMessage): Record<string, unknown> {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: m.title.slice(0, 150), emoji: true } },
  ];
  for (const item of m.items) {
    const lines = item.fields.map((f) => `*${slackEscape(f.label)}:* ${slackEscape(f.value)}`);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${slackEscape(item.heading)}*\n${lines.join('\n')}`.slice(0, 3000),
      },
    });
  }
  if (m.omitted > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `+${m.omitted}` }] });
  }
  return { text: m.text.slice(0, 3000), blocks: blocks.slice(0, 50) };
}

export function discordBody(m: RenderedMessage, sentAt: string): Record<string, unknown> {
  const description = m.items
    .map((item) =>
      [`**${item.heading}**`, ...item.fields.map((f) => `${f.label}: ${f.value}`)].join('\n'),
    )
    .join('\n\n');
  return {
    // Nobody is pinged by a project name that looks like @everyone.
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: m.title.slice(0, 256),
        description:
          (description.length > 4000 ? `${description.slice(0, 3990)}…` : description) +
          (m.omitted > 0 ? `\n\n+${m.omitted}` : ''),
        color: COLOURS[m.severity],
        footer: { text: m.server.slice(0, 200) },
        timestamp: sentAt,
      },
    ],
  };
}

export function telegramBody(m: RenderedMessage, chatId: string): Record<string, unknown> {
  const parts = [`<b>${escapeHtml(m.title)}</b>`];
  for (const item of m.items) {
    parts.push(
      [
        `<b>${escapeHtml(item.heading)}</b>`,
        ...item.fields.map((f) => `<i>${escapeHtml(f.label)}:</i> ${escapeHtml(f.value)}`),
      ].join('\n'),
    );
  }
  if (m.omitted > 0) parts.push(`+${m.omitted}`);
  let text = parts.join('\n\n');
  // Telegram's limit is 4096 characters; cut between items, never inside a tag.
  while (text.length > 4000 && parts.length > 2) {
    parts.splice(parts.length - 2, 1);
    text = parts.join('\n\n');
  }
  return { chat_id: chatId, text, parse_mode: 'HTML', disable_web_page_preview: true };
}
