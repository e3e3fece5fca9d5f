import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelInputSchema, type AlertMethodParams } from '@protocol/alerts';
import type { z } from 'zod';
import type { Caller } from '../auth/service';
import { createAlertHandlers } from './handlers';
import type { AlertService } from './service';
import { FakeWorld, tempDir } from './test-fakes';

const admin: Caller = { username: 'root', role: 'admin', grants: [], tokenHash: 'x' };
const user: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 'y' };
const started: AlertService[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
});

async function setup() {
  const world = new FakeWorld();
  const dataDir = await tempDir();
  const alerts = await world.start(dataDir);
  started.push(alerts);
  const sends: string[] = [];
  const h = createAlertHandlers(alerts, (config) => {
    sends.push(config.type);
    return config.type === 'slack'
      ? Promise.reject(new Error('hooks.slack.com answered HTTP 404'))
      : Promise.resolve();
  });
  return { h, alerts, dataDir, sends, world };
}

const channel = (input: z.input<typeof ChannelInputSchema>) =>
  ({ channel: ChannelInputSchema.parse(input) }) as z.output<
    (typeof AlertMethodParams)['alerts.channels.set']
  >;

describe('alerts.* methods', () => {
  it('refuses everyone but admins', async () => {
    const { h } = await setup();
    expect(() => h['alerts.get']({}, user)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    await expect(h['alerts.test']({ id: 'x' }, user)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('never returns a secret, keeps a stored one on update, and stores it in a 0600 file', async () => {
    const { h, alerts, dataDir } = await setup();
    const { channel: made } = await h['alerts.channels.set'](
      channel({
        id: 'hook',
        name: 'Hook',
        config: { type: 'webhook', url: 'https://example.test/h', secret: 'topsecret-1' },
      }),
      admin,
    );
    expect(made).toMatchObject({
      id: 'hook',
      secretsSet: ['secret'],
      settings: { url: 'https://example.test/h' },
    });
    expect(JSON.stringify(h['alerts.get']({}, admin))).not.toContain('topsecret-1');
    await h['alerts.channels.set'](
      channel({
        id: 'hook',
        name: 'Renamed',
        config: { type: 'webhook', url: 'https://example.test/h2' },
      }),
      admin,
    );
    const stored = alerts.channels().find((c) => c.id === 'hook')!;
    expect(stored.config).toMatchObject({ url: 'https://example.test/h2', secret: 'topsecret-1' });
    const file = path.join(dataDir, 'alerts', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readFile(file, 'utf8')).toContain('topsecret-1');
  });

  it('a Slack channel without its URL is refused with INVALID_PARAMS', async () => {
    const { h } = await setup();
    await expect(
      h['alerts.channels.set'](channel({ name: 'Slack', config: { type: 'slack' } }), admin),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('rules must name existing channels; deleting a channel removes it from the rules', async () => {
    const { h } = await setup();
    await expect(
      h['alerts.rules.set'](
        { rules: [{ id: 'r', events: ['project.down'], channels: ['nope'] }] },
        admin,
      ),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await h['alerts.channels.set'](
      channel({
        id: 'a',
        name: 'A',
        config: { type: 'discord', url: 'https://discord.test/api/webhooks/1/x' },
      }),
      admin,
    );
    await h['alerts.rules.set'](
      { rules: [{ id: 'r', events: ['project.down'], channels: ['a'] }] },
      admin,
    );
    await h['alerts.channels.delete']({ id: 'a' }, admin);
    expect(h['alerts.get']({}, admin)).toMatchObject({ channels: [], rules: [] });
    await expect(h['alerts.channels.delete']({ id: 'a' }, admin)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('the test action sends now, logs the outcome, and explains a failure with a stable code', async () => {
    const { h, sends } = await setup();
    await h['alerts.channels.set'](
      channel({
        id: 'ok',
        name: 'Hook',
        config: { type: 'webhook', url: 'https://example.test/h', secret: 's3cr3t-xx' },
      }),
      admin,
    );
    await h['alerts.channels.set'](
      channel({
        id: 'bad',
        name: 'Slack',
        config: { type: 'slack', url: 'https://hooks.slack.test/T/B/x' },
      }),
      admin,
    );
    await expect(h['alerts.test']({ id: 'ok' }, admin)).resolves.toMatchObject({ ok: true });
    await expect(h['alerts.test']({ id: 'bad' }, admin)).rejects.toMatchObject({
      code: 'ALERT_DELIVERY_FAILED',
      message: expect.stringContaining('HTTP 404') as unknown,
    });
    expect(sends).toEqual(['webhook', 'slack']);
    const { entries } = await h['alerts.log']({}, admin);
    expect(entries.map((e) => [e.channelId, e.result, e.test])).toEqual([
      ['bad', 'failed', true],
      ['ok', 'sent', true],
    ]);
  });

  it('settings merge with the defaults (language, server name, minutes before "down")', async () => {
    const { h } = await setup();
    const { settings } = await h['alerts.settings.set']({ settings: { language: 'pt-BR' } }, admin);
    expect(settings).toMatchObject({
      language: 'pt-BR',
      downAfterSeconds: 120,
      groupWindowSeconds: 20,
    });
  });
});
