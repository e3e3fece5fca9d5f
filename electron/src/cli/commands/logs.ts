import type { LogLine } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { defineCommand, type CommandContext } from '../command-table';
import { serverAndProject } from './lookup';

const logs = defineCommand({
  path: ['logs'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {
    service: { type: 'string', placeholder: 'service' },
    tail: { type: 'number', placeholder: 'lines' },
    follow: { type: 'boolean', short: 'f' },
  },
  help: 'help.logs',
  interruptible: true,
  async run(ctx, { args, flags }) {
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const options: { service?: string; tail?: number } = {};
    if (flags.service) options.service = flags.service;
    if (flags.tail !== undefined) options.tail = flags.tail;
    if (!flags.follow) {
      for (const l of await ctx.desktop.readLogs(server.id, project.id, options)) printLine(ctx, l);
      return {};
    }
    const { stream } = await ctx.desktop.followLogs(server.id, project.id, options);
    await new Promise<void>((resolve, reject) => {
      const stop = () => {
        off();
        void ctx.desktop.closeStream(stream).finally(resolve);
      };
      const off = ctx.desktop.onEvent((e) => {
        if (e.type === 'stream.data' && e.stream === stream) {
          for (const l of e.lines) printLine(ctx, l);
          // Acknowledge once written, so a slow terminal (or a full pipe) slows the agent down.
          if (ctx.io.stdout.writableNeedDrain)
            ctx.io.stdout.once('drain', () => void ctx.desktop.ackStream(stream, e.bytes));
          else void ctx.desktop.ackStream(stream, e.bytes);
        } else if (e.type === 'stream.end' && e.stream === stream) {
          off();
          ctx.signal.removeEventListener('abort', stop);
          if (e.error) reject(new UltrabaseError(e.error.code, e.error.message));
          else resolve();
        } else if (
          e.type === 'server.state' &&
          e.server.id === server.id &&
          e.server.state === 'reconnecting'
        ) {
          ctx.io.stderr.write(ctx.messages.t('progress.reconnecting') + '\n');
        }
      });
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener('abort', stop, { once: true });
    });
    return {};
  },
});

/** Log lines go out as they come: one JSON object per line with --json, aligned text without. */
function printLine(ctx: CommandContext, l: LogLine): void {
  ctx.io.stdout.write(ctx.json ? JSON.stringify(l) + '\n' : `${l.service.padEnd(10)} ${l.text}\n`);
}

export const logCommands = [logs];
