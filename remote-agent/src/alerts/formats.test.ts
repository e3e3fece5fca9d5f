import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_SEVERITY, type AlertEvent } from '@protocol/alerts';
import { sendTo, type Outgoing } from './channels/send';
import { verifyWebhook } from './channels/webhook-signature';
import { renderMessage } from './messages/render';

/** Each channel's payload, posted for real to a local receiver that records it. */
const received: { url: string; headers: http.IncomingHttpHeaders; raw: Buffer }[] = [];
let server: http.Server;
let base: string;
let status = 200;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) });
      res
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(status === 200 ? 'ok' : 'no such hook');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const events: AlertEvent[] = [
  {
    kind: 'project.down',
    key: 'a',
    at: '2026-12-02T03:04:00Z',
    since: '2026-12-02T03:01:00Z',
    project: 'loja <do> João & cia',
    detail: 'db: exited (137)',
    tried: ['start-stack db (failed: timeout)'],
  },
  { kind: 'project.down', key: 'b', at: '2026-12-02T03:04:00Z', project: '@everyone' },
];

function outgoing(language: 'en' | 'pt-BR' = 'pt-BR'): Outgoing {
  return {
    message: renderMessage(events, { language, server: 'vps-sp-1' }, (k) => ALERT_SEVERITY[k]),
    events,
    deliveryId: 'd123',
    language,
    now: new Date('2026-12-02T03:05:00Z'),
  };
}

const last = () => {
  const r = received[received.length - 1]!;
  return { ...r, body: JSON.parse(r.raw.toString('utf8')) as Record<string, unknown> };
};

describe('channel formats', () => {
  it('the message reads in Brazilian Portuguese with every part a person needs', () => {
    const { text, title } = outgoing().message;
    expect(title).toBe('2 projetos estão fora do ar');
    for (const part of [
      'Servidor: vps-sp-1',
      'Projeto: loja <do> João & cia',
      'O que aconteceu: db: exited (137)',
      'Desde: 2026-12-02 03:01 UTC',
      'O agente tentou: start-stack db',
      'Próximo passo: Abra o projeto',
    ]) {
      expect(text).toContain(part);
    }
  });

  it('generic webhook: JSON with the events, signed with HMAC-SHA256 over timestamp and body', async () => {
    await sendTo({ type: 'webhook', url: `${base}/hook`, secret: 'shh-secret' }, outgoing());
    const r = last();
    expect(r.headers['x-ultrabase-delivery']).toBe('d123');
    expect(r.headers['x-ultrabase-timestamp']).toBe(
      String(Date.parse('2026-12-02T03:05:00Z') / 1000),
    );
    const sig = r.headers['x-ultrabase-signature'] as string;
    expect(
      verifyWebhook('shh-secret', r.headers['x-ultrabase-timestamp'] as string, r.raw, sig),
    ).toBe(true);
    expect(verifyWebhook('other', r.headers['x-ultrabase-timestamp'] as string, r.raw, sig)).toBe(
      false,
    );
    const tampered = Buffer.from(r.raw.toString().replace('vps-sp-1', 'vps-sp-2'));
    expect(
      verifyWebhook('shh-secret', r.headers['x-ultrabase-timestamp'] as string, tampered, sig),
    ).toBe(false);
    expect(r.body).toMatchObject({
      id: 'd123',
      server: 'vps-sp-1',
      language: 'pt-BR',
      severity: 'critical',
    });
    expect((r.body.events as AlertEvent[]).map((e) => e.key)).toEqual(['a', 'b']);
  });

  it('Slack: header and mrkdwn sections, with &, < and > escaped', async () => {
    await sendTo({ type: 'slack', url: `${base}/services/T/B/x` }, outgoing());
    const { body, url } = last();
    expect(url).toBe('/services/T/B/x');
    const blocks = body.blocks as { type: string; text?: { text: string } }[];
    expect(blocks[0]).toMatchObject({
      type: 'header',
      text: { text: '2 projetos estão fora do ar' },
    });
    expect(blocks[1]!.text!.text).toContain('loja &lt;do&gt; João &amp; cia');
    expect(typeof body.text).toBe('string');
  });

  it('Discord: one embed in the severity colour, mentions disabled', async () => {
    await sendTo({ type: 'discord', url: `${base}/api/webhooks/1/abc` }, outgoing());
    const { body } = last();
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const [embed] = body.embeds as {
      title: string;
      color: number;
      description: string;
      footer: { text: string };
    }[];
    expect(embed!.title).toBe('2 projetos estão fora do ar');
    expect(embed!.color).toBe(0xd93025);
    expect(embed!.description).toContain('@everyone');
    expect(embed!.footer.text).toBe('vps-sp-1');
  });

  it('Telegram: sendMessage to the bot, HTML with the project name escaped', async () => {
    await sendTo(
      { type: 'telegram', botToken: '123:ABC', chatId: '-100200', apiBase: base },
      outgoing('en'),
    );
    const { body, url } = last();
    expect(url).toBe('/bot123:ABC/sendMessage');
    expect(body).toMatchObject({ chat_id: '-100200', parse_mode: 'HTML' });
    expect(body.text).toContain('<b>2 projects are down</b>');
    expect(body.text).toContain('loja &lt;do&gt; João &amp; cia');
  });

  it('a refusal is an error naming the host and status, never the secret URL', async () => {
    status = 404;
    try {
      const error = await sendTo(
        { type: 'telegram', botToken: '999:SECRET', chatId: '1', apiBase: base },
        outgoing(),
      ).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/HTTP 404: no such hook/);
      expect((error as Error).message).not.toContain('SECRET');
    } finally {
      status = 200;
    }
  });
});
