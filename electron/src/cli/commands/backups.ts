import type { BackupProgress, BackupSummary } from '@protocol/backups';
import { resolve } from 'node:path';
import { sortByProblem } from '@protocol/backup-transfer';
import { UltrabaseError } from '@contract/errors';
import type { BackupJobView } from '@contract/backups';
import { defineCommand, type CommandContext } from '../command-table';
import type { Translate } from '../i18n';
import { table } from '../output';
import { createProgressDisplay, displayModeFor } from '../progress-display';
import { connectedServer, serverAndProject } from './lookup';

const POLL_MS = 1000;

/**
 * Follows a backup job to its end: one bar for the job (percent where the agent knows it,
 * else the phase), plain lines on a pipe, nothing with --json. Rejects with the job's code.
 */
export async function followJob(
  ctx: CommandContext,
  serverId: string,
  jobId: string,
  label: string,
): Promise<BackupJobView> {
  const { t } = ctx.messages;
  const display = createProgressDisplay(ctx.io.stderr, displayModeFor(ctx.io.stderr, ctx.json));
  const bar = display.bar(label, 100, t('backups.phase.queued'));
  let value = 0;
  try {
    for (;;) {
      const job = await ctx.desktop.backupJob(serverId, jobId);
      const last = job.events.at(-1);
      if (last) {
        value = Math.max(value, last.percent ?? value);
        bar.update(job.finished && !job.error ? 100 : value, describe(last, t));
      }
      if (job.finished) {
        if (job.error) {
          throw new UltrabaseError(job.error.code as never, job.error.message);
        }
        return job;
      }
      await ctx.io.sleep(POLL_MS);
    }
  } finally {
    display.stop();
  }
}

function describe(p: BackupProgress, t: Translate): string {
  const phase = t(`backups.phase.${p.phase}` as never);
  if (p.phase === 'queued' && p.queuePosition) {
    return t('backups.queuedAt', { position: p.queuePosition });
  }
  return p.bytes !== undefined ? `${phase} ${(p.bytes / 1e6).toFixed(1)} MB` : phase;
}

function backupsTable(rows: BackupSummary[], t: Translate): string {
  return table(
    [
      t('backups.headers.id'),
      t('backups.headers.when'),
      t('backups.headers.kind'),
      t('backups.headers.size'),
      t('backups.headers.duration'),
      t('backups.headers.destinations'),
      t('backups.headers.verified'),
    ],
    rows.map((b) => [
      b.id,
      b.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      b.kind,
      `${(b.bytes / 1e6).toFixed(1)} MB`,
      `${(b.durationMs / 1000).toFixed(1)} s`,
      b.destinations.join(', '),
      b.verifiedAt ? b.verifiedAt.slice(0, 10) : '—',
    ]),
  );
}

export const backupsCreate = defineCommand({
  path: ['backups', 'create'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {
    destination: { type: 'string', placeholder: 'ID' },
    wait: { type: 'boolean' },
  },
  help: 'backups.help.create',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const started = await ctx.desktop.createBackup(server.id, project.id, {
      destinations: flags.destination ? [flags.destination] : undefined,
    });
    if (!flags.wait) {
      return {
        data: started,
        human: () => t('backups.started', { job: started.jobId, position: started.queuePosition }),
      };
    }
    const job = await followJob(ctx, server.id, started.jobId, project.name);
    return {
      data: { ...started, backupId: job.backupId },
      human: () => t('backups.created', { id: job.backupId ?? '', name: project.name }),
    };
  },
});

export const backupsList = defineCommand({
  path: ['backups', 'list'],
  args: [{ name: 'server' }, { name: 'project', optional: true }],
  flags: {},
  help: 'backups.help.list',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    if (args.project === undefined) {
      const server = await connectedServer(ctx, args.server);
      const rows = sortByProblem(await ctx.desktop.serverBackups(server.id), Date.now());
      return {
        data: rows,
        human: () => (rows.length === 0 ? t('backups.noProjects') : serverTable(rows, t)),
      };
    }
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const rows = await ctx.desktop.listBackups(server.id, project.id);
    const drill = project.backupStatus?.lastDrill;
    const warning =
      drill && !drill.ok
        ? t('backups.drillFailed', {
            when: day(drill.at),
            message: drill.message ?? drill.code ?? '',
          }) + '\n'
        : '';
    return {
      data: rows,
      human: () => warning + (rows.length === 0 ? t('backups.none') : backupsTable(rows, t)),
    };
  },
});

function day(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The server-wide view: one line per project, problems first. */
function serverTable(rows: ReturnType<typeof sortByProblem>, t: Translate): string {
  return table(
    [
      t('backups.serverHeaders.project'),
      t('backups.serverHeaders.state'),
      t('backups.serverHeaders.last'),
      t('backups.serverHeaders.size'),
      t('backups.serverHeaders.destinations'),
      t('backups.serverHeaders.verified'),
      t('backups.serverHeaders.schedule'),
    ],
    rows.map((r) => [
      r.name,
      t(`backups.problem.${r.problem}`),
      r.last ? day(r.last.startedAt) : '—',
      r.last ? `${(r.last.bytes / 1e6).toFixed(1)} MB` : '—',
      r.last ? r.last.destinations.join(', ') : '—',
      r.backupStatus?.lastVerifiedAt ? r.backupStatus.lastVerifiedAt.slice(0, 10) : '—',
      r.schedule ? r.schedule.frequency : '—',
    ]),
  );
}

const DOWNLOAD_POLL_MS = 250;

export const backupsDownload = defineCommand({
  path: ['backups', 'download'],
  args: [{ name: 'server' }, { name: 'project' }, { name: 'backup' }],
  flags: {
    out: { type: 'string', placeholder: 'DIR' },
    roles: { type: 'boolean' },
    destination: { type: 'string', placeholder: 'ID' },
  },
  help: 'backups.help.download',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    let backupId = args.backup;
    if (backupId === 'latest') {
      const newest = (await ctx.desktop.listBackups(server.id, project.id))[0];
      if (!newest) throw new UltrabaseError('BACKUP_NOT_FOUND', t('backups.none'));
      backupId = newest.id;
    }
    const { downloadId } = await ctx.desktop.downloadBackup(server.id, project.id, backupId, {
      outDir: resolve(flags.out ?? '.'),
      ...(flags.roles ? { roles: true } : {}),
      ...(flags.destination ? { destination: flags.destination } : {}),
    });
    const display = createProgressDisplay(ctx.io.stderr, displayModeFor(ctx.io.stderr, ctx.json));
    let bar: ReturnType<typeof display.bar> | undefined;
    let view;
    try {
      for (;;) {
        view = await ctx.desktop.backupDownload(downloadId);
        if (view.totalBytes > 0) {
          bar ??= display.bar(project.name, view.totalBytes, t('backups.downloading'));
          bar.update(
            view.bytes,
            `${(view.bytes / 1e6).toFixed(1)} / ${(view.totalBytes / 1e6).toFixed(1)} MB`,
          );
        }
        if (view.finished) break;
        await ctx.io.sleep(DOWNLOAD_POLL_MS);
      }
    } finally {
      display.stop();
    }
    if (view.error) {
      throw new UltrabaseError(view.error.code as string, view.error.message);
    }
    const result = view.result!;
    return {
      data: { backupId, ...result },
      human: () =>
        t('backups.downloaded', {
          id: backupId,
          dir: result.dir,
          size: `${(result.database.bytes / 1e6).toFixed(1)} MB`,
          files: result.files,
        }),
    };
  },
});

export const backupsRestore = defineCommand({
  path: ['backups', 'restore'],
  args: [{ name: 'server' }, { name: 'project' }, { name: 'backup' }],
  flags: {
    /** The project's name, typed again: an in-place restore replaces its data. */
    confirm: { type: 'string', placeholder: 'NAME' },
    into: { type: 'string', placeholder: 'NEW-NAME' },
    destination: { type: 'string', placeholder: 'ID' },
  },
  help: 'backups.help.restore',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    if (flags.into) {
      const started = await ctx.desktop.cloneBackup(server.id, project.id, args.backup, {
        name: flags.into,
        destination: flags.destination,
      });
      await followJob(ctx, server.id, started.jobId, started.project.name);
      return {
        data: { jobId: started.jobId, project: started.project },
        human: () => t('backups.cloned', { name: started.project.name, id: args.backup }),
      };
    }
    if (flags.confirm === undefined) {
      throw new UltrabaseError(
        'INVALID_PARAMS',
        t('backups.confirmNeeded', { name: project.name }),
      );
    }
    const started = await ctx.desktop.restoreBackup(server.id, project.id, args.backup, {
      confirm: flags.confirm,
      destination: flags.destination,
    });
    const job = await followJob(ctx, server.id, started.jobId, project.name);
    return {
      data: { jobId: started.jobId, safetyBackupId: job.backupId },
      human: () =>
        t('backups.restored', { name: project.name, id: args.backup, safety: job.backupId ?? '' }),
    };
  },
});

export const backupsVerify = defineCommand({
  path: ['backups', 'verify'],
  args: [{ name: 'server' }, { name: 'project' }, { name: 'backup' }],
  flags: { destination: { type: 'string', placeholder: 'ID' } },
  help: 'backups.help.verify',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const started = await ctx.desktop.verifyBackup(server.id, project.id, args.backup, {
      destination: flags.destination,
    });
    await followJob(ctx, server.id, started.jobId, project.name);
    return {
      data: { jobId: started.jobId, backupId: args.backup, verified: true },
      human: () => t('backups.verified', { id: args.backup }),
    };
  },
});

export const backupsKey = defineCommand({
  path: ['backups', 'key'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'backups.help.key',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const server = await connectedServer(ctx, args.server);
    const saved = await ctx.desktop.saveBackupKey(server.id);
    return {
      data: saved,
      human: () =>
        saved.shownOnce
          ? t('backups.keyShownOnce', { password: saved.shownOnce })
          : t('backups.keyStored'),
    };
  },
});

export const backupsSchedule = defineCommand({
  path: ['backups', 'schedule'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {
    every: { type: 'choice', choices: ['hourly', 'daily', 'weekly'] },
    'keep-last': { type: 'number', placeholder: 'N' },
    'keep-daily': { type: 'number', placeholder: 'N' },
    'keep-weekly': { type: 'number', placeholder: 'N' },
    'keep-monthly': { type: 'number', placeholder: 'N' },
    'no-drills': { type: 'boolean' },
    off: { type: 'boolean' },
  },
  help: 'backups.help.schedule',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    let change: Parameters<typeof ctx.desktop.backupSchedule>[2];
    if (flags.off) change = null;
    else if (flags.every) {
      const keep = {
        last: flags['keep-last'],
        daily: flags['keep-daily'],
        weekly: flags['keep-weekly'],
        monthly: flags['keep-monthly'],
      };
      const given = Object.values(keep).some((v) => v !== undefined);
      change = {
        frequency: flags.every,
        retention: given ? keep : { last: 3, daily: 7, weekly: 4, monthly: 6 },
        drill: flags['no-drills'] ? 'off' : 'weekly',
      };
    }
    const schedule =
      change === undefined
        ? await ctx.desktop.backupSchedule(server.id, project.id)
        : await ctx.desktop.backupSchedule(server.id, project.id, change);
    return {
      data: schedule,
      human: () =>
        schedule
          ? t('backups.scheduleLine', {
              name: project.name,
              every: schedule.frequency,
              keep: Object.entries(schedule.retention)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => `${k} ${v}`)
                .join(', '),
              drill: schedule.drill,
            })
          : t('backups.noSchedule', { name: project.name }),
    };
  },
});

export const backupCommands = [
  backupsCreate,
  backupsList,
  backupsDownload,
  backupsRestore,
  backupsVerify,
  backupsKey,
  backupsSchedule,
];
