import type { ConnectionState, RecoveryProgress, ServerView } from '@contract/api';
import { defineCommand, type CommandContext } from '../command-table';
import {
  createProgressDisplay,
  displayModeFor,
  type ProgressBar,
  type ProgressDisplay,
} from '../progress-display';
import { recoverySentence, recoverySteps, showRecovery } from '../recovery-lines';
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
      // The agent is bringing projects back after a reboot: say where it is, as a bar too.
      if (v.recovery) recoveryBar(display, ctx).show(v.recovery);
      return {
        data: v,
        human: () =>
          [
            t('results.connected', {
              name: v.name,
              version: v.agent?.version ?? '?',
              user: v.user?.username ?? '?',
              role: v.user?.role ?? '?',
            }),
            ...(v.recovery ? [recoverySentence(v.recovery, t)] : []),
          ].join('\n'),
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

const serversStatus = defineCommand({
  path: ['servers', 'status'],
  args: [{ name: 'server' }],
  flags: { watch: { type: 'boolean', short: 'w' } },
  help: 'help.serversStatus',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const server = await resolveServer(ctx.desktop, args.server);
    const display = createProgressDisplay(ctx.io.stderr, displayModeFor(ctx.io.stderr, ctx.json));
    const recovery = recoveryBar(display, ctx);
    let latest: ServerView | undefined;
    const off = ctx.desktop.onEvent((e) => {
      if (e.type !== 'server.state' || e.server.id !== server.id) return;
      latest = e.server;
      if (e.server.recovery) recovery.show(e.server.recovery);
    });
    try {
      let v = await ctx.desktop.connectServer(server.id);
      if (v.recovery) recovery.show(v.recovery);
      if (flags.watch && v.recovery) {
        // Followed until the pass ends (its last event drops `recovery`) or the link drops.
        await new Promise<void>((resolve) => {
          const stop = ctx.desktop.onEvent((e) => {
            if (e.type !== 'server.state' || e.server.id !== server.id) return;
            if (e.server.recovery && e.server.state === 'connected') return;
            stop();
            resolve();
          });
        });
        v = latest ?? v;
      }
      const names = v.recovery?.waiting?.length
        ? await waitingNames(ctx, v.id, v.recovery)
        : undefined;
      return {
        data: v,
        human: () =>
          [
            t('recovery.status', {
              name: v.name,
              state: v.state,
              version: v.agent?.version ?? '?',
            }),
            v.recovery ? recoverySentence(v.recovery, t) : t('recovery.none'),
            ...(names ? [t('recovery.waiting', { names })] : []),
          ].join('\n'),
      };
    } finally {
      off();
      display.stop();
    }
  },
});

/**
 * The recovery's bar, made at its first counted event (while Docker settles there is no count
 * yet, only a line), so its scale is the pass's own: every database, then every stack.
 */
function recoveryBar(display: ProgressDisplay, ctx: CommandContext) {
  const { t } = ctx.messages;
  let bar: ProgressBar | undefined;
  let settling = false;
  return {
    show(progress: RecoveryProgress): void {
      if (progress.phase === 'settling') {
        if (!settling) display.line(recoverySentence(progress, t));
        settling = true;
        return;
      }
      bar ??= display.bar(t('recovery.label'), recoverySteps(progress).total);
      showRecovery(bar, progress, t);
    },
  };
}

/** The names of the projects still waiting, for the human output (ids when not listed). */
async function waitingNames(
  ctx: CommandContext,
  serverId: string,
  progress: RecoveryProgress,
): Promise<string> {
  const projects = await ctx.desktop.listProjects(serverId).catch(() => []);
  const name = new Map(projects.map((p) => [p.id, p.name]));
  return (progress.waiting ?? []).map((id) => name.get(id) ?? id).join(', ');
}

export const connectionCommands = [connect, disconnect, serversStatus];
