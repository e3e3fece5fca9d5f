import { describe, expect, it } from 'vitest';
import type { AlertEvent, AlertRule } from '@protocol/alerts';
import { channelsFor } from './rules';
import { DEFAULT_RULES } from './stores';
import { webhookChannel } from './test-fakes';

const ev = (over: Partial<AlertEvent>): AlertEvent => ({
  kind: 'project.down',
  key: 'k',
  at: '',
  instanceId: 'aaaaaa',
  ...over,
});
const channels = [
  webhookChannel('a'),
  webhookChannel('b'),
  { ...webhookChannel('off'), enabled: false },
];

describe('alert rules', () => {
  it('the defaults send every problem to every enabled channel, but not routine repairs', () => {
    expect(channelsFor(ev({}), DEFAULT_RULES, channels)).toEqual(['a', 'b']);
    expect(channelsFor(ev({ kind: 'repair.done' }), DEFAULT_RULES, channels)).toEqual([]);
  });

  it('routes per project and per tag; server-wide events skip narrowed rules', () => {
    const rules: AlertRule[] = [
      { id: 'vip', events: ['project.down'], channels: ['a'], projects: ['bbbbbb'] },
      { id: 'shop', events: ['project.down', 'host.disk'], channels: ['b'], tags: ['shop'] },
    ];
    expect(channelsFor(ev({ instanceId: 'bbbbbb' }), rules, channels)).toEqual(['a']);
    expect(channelsFor(ev({ tags: ['shop'] }), rules, channels)).toEqual(['b']);
    expect(channelsFor(ev({}), rules, channels)).toEqual([]);
    expect(channelsFor(ev({ kind: 'host.disk', instanceId: undefined }), rules, channels)).toEqual(
      [],
    );
  });
});
