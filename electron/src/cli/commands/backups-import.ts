import { isAbsolute, resolve } from 'node:path';
import { UltrabaseError } from '@contract/errors';
import type { DumpImportProgress, DumpImportStatus } from '@contract/backups';
import { defineCommand, type CommandContext } from '../command-table';
import type { Translate } from '../i18n';
import { createProgressDisplay, displayModeFor } from '../progress-display';
import { connectedServer } from './lookup';

const POLL_MS = 250;

function describe(p: DumpImportProgress, t: Translate): string {
  const phase = t(`dumpImport.phase.${p.phase}`);
  if (p.phase === 'uploading-dump' || p.phase === 'uploading-files') {
    const mb = `${(p.bytes / 1e6).toFixed(1)}/${(p.totalBytes / 1e6).toFixed(1)} MB`;
    return p.totalFiles > 0 ? `${phase} ${mb}, ${p.files}/${p.totalFiles}` : `${phase} ${mb}`;
  }
  return phase;
}

/** Polls the import to its end with one bar (bytes sent of the dump and the files together). */
async function followImport(
  ctx: CommandContext,
  importId: string,
  label: string,
): Promise<DumpImportStatus> {
  const { t } = ctx.messages;
  const display = createProgressDisplay(ctx.io.stderr, displayModeFor(ctx.io.stderr, ctx.json));
  const bar = display.bar(label, 100, t('dumpImport.phase.checking'));
  const cancel = () => void ctx.desktop.cancelDumpImport(importId).catch(() => undefined);
  ctx.signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const status = await ctx.desktop.dumpImportStatus(importId);
      const p = status.progress;
      const percent =
        p.phase === 'done' ? 100 : p.totalBytes > 0 ? Math.floor((p.bytes / p.totalBytes) * 99) : 0;
      bar.update(percent, describe(p, t));
      if (status.finished) return status;
      await ctx.io.sleep(POLL_MS);
    }
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
    display.stop();
  }
}

export const backupsImport = defineCommand({
  path: ['backups', 'import'],
  args: [{ name: 'server' }],
  flags: {
    dump: { type: 'string', placeholder: 'FILE', required: true },
    storage: { type: 'string', placeholder: 'DIR' },
    into: { type: 'string', placeholder: 'NEW-NAME', required: true },
  },
  help: 'dumpImport.help',
  interruptible: true,
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const server = await connectedServer(ctx, args.server);
    const absolute = (p: string) => (isAbsolute(p) ? p : resolve(p));
    const { importId } = await ctx.desktop.startDumpImport(server.id, {
      dumpPath: absolute(flags.dump),
      ...(flags.storage ? { storageDir: absolute(flags.storage) } : {}),
      name: flags.into,
    });
    const status = await followImport(ctx, importId, flags.into);
    if (status.error) {
      throw new UltrabaseError(status.error.code as never, status.error.message);
    }
    const report = status.report!;
    return {
      data: { project: status.project, report },
      human: () =>
        [
          t('dumpImport.done', {
            name: status.project?.name ?? flags.into,
            mb: (report.dumpBytes / 1e6).toFixed(1),
            files: report.files,
            seconds: (report.durationMs / 1000).toFixed(1),
          }),
          ...(report.errorCount > 0
            ? [
                t('dumpImport.refused', { count: report.errorCount }),
                ...report.errors
                  .slice(0, 10)
                  .map((e) => `  ${t('dumpImport.line', { line: e.line, message: e.message })}`),
              ]
            : []),
        ].join('\n'),
    };
  },
});

export const dumpImportCommands = [backupsImport];

/** For tests: the text a progress line shows. */
export const describeImportProgress = (p: DumpImportProgress, t: Translate) => describe(p, t);
