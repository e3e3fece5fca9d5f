import { describe, expect, it } from 'vitest';
import type { AlertRule, AlertsOverview, ChannelPublic } from '@protocol/alerts';
import { fakeDesktop, fakeIo, run } from '../cli-test-kit';

/** The fake desktop plus an in-memory alerts store, recording every call. */
function withAlerts() {
  const d = fakeDesktop();
  const state: AlertsOverview = {
    channels: [],
    rules: [{ id: 'default', events: ['project.down'], channels: ['*'] }],
    settings: {
      language: 'en',
      serverName: 'web',
      downAfterSeconds: 120,
      diskFreePercent: 10,
      memoryFreePercent: 5,
      groupWindowSeconds: 20,
      retryBaseSeconds: 5,
      retryMaxSeconds: 600,
      giveUpAfterHours: 24,
    },
  };
  Object.assign(d, {
    getAlerts: () => Promise.resolve(structuredClone(state)),
    setAlertChannel: (_s: string, input: Record<string, unknown>) => {
      d.calls.push(['setAlertChannel', input]);
      const c: ChannelPublic = {
        id: (input.id as string) ?? 'c1',
        name: input.name as string,
        type: (input.config as { type: ChannelPublic['type'] }).type,
        enabled: true,
        maxPerHour: 20,
        settings: {},
        secretsSet: [],
      };
      state.channels.push(c);
      return Promise.resolve(c);
    },
    setAlertRules: (_s: string, rules: AlertRule[]) => {
      d.calls.push(['setAlertRules', rules]);
      state.rules = rules;
      return Promise.resolve(rules);
    },
    testAlertChannel: (_s: string, id: string) => {
      d.calls.push(['testAlertChannel', id]);
      return Promise.resolve({ ok: true, ms: 42 });
    },
    alertLog: () =>
      Promise.resolve({
        entries: [
          {
            at: '2026-12-02T03:04:05.000Z',
            deliveryId: 'd1',
            channelId: 'ops',
            channelName: 'Ops',
            channelType: 'webhook',
            result: 'failed',
            attempt: 2,
            kinds: ['project.down'],
            projects: ['shop'],
            title: 'Project shop is down',
            error: '127.0.0.1: ECONNREFUSED',
          },
        ],
        pending: [
          {
            deliveryId: 'd1',
            channelId: 'ops',
            kinds: ['project.down'],
            projects: ['shop'],
            attempts: 2,
            nextAttemptAt: '2026-12-02T03:04:15.000Z',
          },
        ],
      }),
  });
  return { d, state };
}

describe('ultrabase alerts', () => {
  it('adds a webhook channel with its signing secret from stdin, never echoing it', async () => {
    const { d } = withAlerts();
    const r = await run(
      [
        'alerts',
        'channels',
        'add',
        'web',
        '--type',
        'webhook',
        '--name',
        'Ops',
        '--id',
        'ops',
        '--url',
        'https://hooks.example.test/u',
        '--secret-stdin',
        '--json',
      ],
      d,
      fakeIo({ stdin: 'whsec-Sup3r\n' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'setAlertChannel')?.[1]).toEqual({
      id: 'ops',
      name: 'Ops',
      enabled: true,
      config: { type: 'webhook', url: 'https://hooks.example.test/u', secret: 'whsec-Sup3r' },
    });
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'ops', type: 'webhook' });
    expect(r.stdout + r.stderr).not.toContain('Sup3r');
  });

  it('a Slack URL is a secret: it is never a flag value', async () => {
    const { d } = withAlerts();
    const r = await run(
      ['alerts', 'channels', 'add', 'web', '--type', 'slack', '--name', 'S', '--secret-stdin'],
      d,
      fakeIo({ stdin: 'https://hooks.slack.test/T/B/xyz\n' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'setAlertChannel')?.[1]).toMatchObject({
      config: { type: 'slack', url: 'https://hooks.slack.test/T/B/xyz' },
    });
  });

  it('an email channel without its addresses is a usage error (exit 2), in Portuguese too', async () => {
    const { d } = withAlerts();
    const r = await run(
      ['alerts', 'channels', 'add', 'web', '--type', 'email', '--name', 'M'],
      d,
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('um canal email precisa de --host, --from, --to');
    expect(d.calls.some((c) => c[0] === 'setAlertChannel')).toBe(false);
  });

  it('rules add replaces a rule of the same id and checks the event names', async () => {
    const { d, state } = withAlerts();
    const ok = await run(
      [
        'alerts',
        'rules',
        'add',
        'web',
        'vip',
        '--events',
        'project.down,project.recovered',
        '--channels',
        'ops',
        '--projects',
        'abcdef1',
        '--json',
      ],
      d,
      fakeIo(),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(state.rules.map((r) => r.id)).toEqual(['default', 'vip']);
    expect(state.rules[1]).toEqual({
      id: 'vip',
      events: ['project.down', 'project.recovered'],
      channels: ['ops'],
      projects: ['abcdef1'],
    });
    const bad = await run(
      ['alerts', 'rules', 'add', 'web', 'x', '--events', 'project.exploded', '--channels', '*'],
      d,
      fakeIo(),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown event "project.exploded"');
    const removed = await run(
      ['alerts', 'rules', 'remove', 'web', 'default', '--json'],
      d,
      fakeIo(),
    );
    expect(removed.code, removed.stderr).toBe(0);
    expect(state.rules.map((r) => r.id)).toEqual(['vip']);
  });

  it('test and log: human output per language, --json the same in every language', async () => {
    const { d } = withAlerts();
    const t = await run(['alerts', 'test', 'web', 'ops'], d, fakeIo());
    expect(t.stdout).toContain('test message sent through ops (42 ms)');
    const human = await run(['alerts', 'log', 'web'], d, fakeIo());
    expect(human.stdout).toContain('failed (#2)');
    expect(human.stdout).toContain('Project shop is down — 127.0.0.1: ECONNREFUSED');
    expect(human.stdout).toContain('1 message(s) waiting');
    const en = await run(['alerts', 'log', 'web', '--json'], d, fakeIo());
    const pt = await run(
      ['alerts', 'log', 'web', '--json'],
      d,
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(pt.stdout).toBe(en.stdout);
    expect(JSON.parse(en.stdout)).toMatchObject({ pending: [{ deliveryId: 'd1', attempts: 2 }] });
  });
});
