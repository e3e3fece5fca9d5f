import type { ConnectionState } from '@contract/api';
import { defineCommand } from '../command-table';
import { createProgressDisplay, displayModeFor } from '../progress-display';
import { resolveServer } from './lookup';

/** The states a connection passes through, in order; the bar counts them. */
const CONNECT_STATES: readonly ConnectionState[] = [
  'disconnected',
  'connecting',
  'bootstrapping',
  'connected',
];

const connect = defineCommand({
  path: ['connect'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'help.connect',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const server = await resolveServer(ctx.desktop, args.server);
    const display = createProgressDisplay(ctx.io.stderr, displayModeFor(ctx.io.stderr, ctx.json));
    const bar = display.bar(server.name, CONNECT_STATES.length - 1);
    const off = ctx.desktop.onEvent((e) => {
      if (e.type !== 'server.state' || e.server.id !== server.id) return;
      const step = CONNECT_STATES.indexOf(e.server.state);
      if (step >= 0) bar.update(step, e.server.state);
      else display.line(t('progress.state', { state: e.server.state }));
    });
    try {
      const v = await ctx.desktop.connectServer(server.id);
      bar.update(CONNECT_STATES.length - 1, v.state);
      return {
        data: v,
        human: () =>
          t('results.connected', {
            name: v.name,
            version: v.agent?.version ?? '?',
            user: v.user?.username ?? '?',
            role: v.user?.role ?? '?',
          }),
      };
    } finally {
      off();
      display.stop();
    }
  },
});

const disconnect = defineCommand({
  path: ['disconnect'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'help.disconnect',
  async run(ctx, { args }) {
    const server = await resolveServer(ctx.desktop, args.server);
    await ctx.desktop.disconnectServer(server.id);
    return {
      data: { ok: true },
      human: () => ctx.messages.t('results.disconnected', { name: server.name }),
    };
  },
});

export const connectionCommands = [connect, disconnect];
