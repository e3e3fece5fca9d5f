import { join } from 'node:path';
import type { OpenTarget, ProjectView } from '@contract/api';
import type { UltrabaseError } from '@contract/errors';
import { defineCommand, type AnyCommand, type CommandContext } from '../command-table';
import { projectsTable, table } from '../output';
import type { Translate } from '../i18n/catalogue';
import { interruptedNotes, interruptedSentence } from '../interrupted-lines';
import { createProgressDisplay, displayModeFor } from '../progress-display';
import { projectsCancel } from './project-cancel';
import { fleetCommands } from './project-fleet';
import { projectsCreate } from './project-create';
import { projectsReleases, projectsUpgrade, projectsUpgradePostgres } from './project-upgrade';
import { connectedServer, serverAndProject } from './lookup';
import { resizeCommands } from './project-resize';

const projectArgs = [{ name: 'server' }, { name: 'project' }] as const;

const projectsList = defineCommand({
  path: ['projects', 'list'],
  args: [],
  flags: { server: { type: 'string', placeholder: 'server' } },
  help: 'help.projectsList',
  async run(ctx, { flags }) {
    const { t } = ctx.messages;
    if (flags.server) {
      const server = await connectedServer(ctx, flags.server);
      const projects = await ctx.desktop.listProjects(server.id);
      return { data: projects, human: () => projectsWithNotes(projects, t) };
    }
    // "This computer" counts only once its agent was set up, so listing never starts one.
    const servers = (await ctx.desktop.listServers()).filter(
      (s) => s.kind === 'ssh' || ctx.io.fileExists(join(ctx.home, 'local-agent')),
    );
    const errors: Array<{ server: string; code: string; message: string }> = [];
    const display = createProgressDisplay(ctx.io.stderr, waitMode(ctx, servers.length > 1));
    const bar = display.bar(t('progress.connectingServers'), servers.length);
    let connected = 0;
    await Promise.all(
      servers.map((s) =>
        ctx.desktop
          .connectServer(s.id)
          .catch((err: UltrabaseError) => {
            errors.push({ server: s.name, code: err.code, message: err.message });
          })
          .finally(() => bar.update(++connected, s.name)),
      ),
    );
    display.stop();
    const projects = await ctx.desktop.listProjects();
    for (const e of errors)
      ctx.io.stderr.write(
        t('progress.warning', {
          server: e.server,
          message: `${e.code}: ${ctx.messages.describeError(e)}`,
        }) + '\n',
      );
    return {
      data: ctx.json ? { projects, errors } : projects,
      human: () => projectsWithNotes(projects, t),
    };
  },
});

/** The table, then what the agent did with operations it was cut off in (crash, reboot). */
function projectsWithNotes(projects: ProjectView[], t: Translate): string {
  const notes = interruptedNotes(projects, t);
  return [projectsTable(projects, t), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

const projectsShow = defineCommand({
  path: ['projects', 'show'],
  args: projectArgs,
  flags: {},
  help: 'help.projectsShow',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const { project } = await serverAndProject(ctx, args.server, args.project);
    const rows: Array<[string, string]> = [
      [t('headers.name'), project.name],
      [t('headers.id'), project.id],
      [t('headers.server'), project.serverName],
      [t('headers.status'), t(`status.${project.status}`)],
      [t('headers.exposure'), project.exposure],
      [t('headers.api'), project.publicUrl ?? project.urls.api],
      ['Studio', project.urls.studio],
      [t('headers.postgres'), String(project.ports.postgres)],
    ];
    if (project.error && !project.lastOperation)
      rows.push([t('headers.reason'), project.error.reason]);
    const note = project.lastOperation ? interruptedSentence(project.lastOperation, t) : undefined;
    return {
      data: project,
      human: () =>
        [table([t('headers.key'), t('headers.value')], rows), ...(note ? [note] : [])].join('\n'),
    };
  },
});

/** Bars on a terminal, lines in a log, nothing for --json or when there is nothing to wait on. */
function waitMode(ctx: CommandContext, worthShowing: boolean) {
  return worthShowing ? displayModeFor(ctx.io.stderr, ctx.json) : 'none';
}

function lifecycleCommand(
  action: 'start' | 'stop' | 'restart',
  help: 'help.projectsStart' | 'help.projectsStop' | 'help.projectsRestart',
): AnyCommand {
  return defineCommand({
    path: ['projects', action],
    args: projectArgs,
    flags: {},
    help,
    async run(ctx, { args }) {
      const { server, project } = await serverAndProject(ctx, args.server, args.project);
      const d = ctx.desktop;
      const p =
        action === 'start'
          ? await d.startProject(server.id, project.id)
          : action === 'stop'
            ? await d.stopProject(server.id, project.id)
            : await d.restartProject(server.id, project.id);
      return { data: p, human: () => projectsTable([p], ctx.messages.t) };
    },
  });
}

const projectsDelete = defineCommand({
  path: ['projects', 'delete'],
  args: projectArgs,
  flags: {},
  help: 'help.projectsDelete',
  async run(ctx, { args }) {
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    await ctx.desktop.deleteProject(server.id, project.id);
    return {
      data: { ok: true, deleted: project.id },
      human: () => ctx.messages.t('results.projectDeleted', { name: project.name }),
    };
  },
});

const projectsCredentials = defineCommand({
  path: ['projects', 'credentials'],
  args: projectArgs,
  flags: {},
  help: 'help.projectsCredentials',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const c = await ctx.desktop.projectCredentials(server.id, project.id);
    return {
      data: c,
      human: () =>
        table(
          [t('headers.key'), t('headers.value')],
          Object.entries(c).map(([k, v]) => [k, String(v)]),
        ),
    };
  },
});

const projectsDiagnose = defineCommand({
  path: ['projects', 'diagnose'],
  args: projectArgs,
  flags: {},
  help: 'help.projectsDiagnose',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const r = await ctx.desktop.diagnoseProject(server.id, project.id);
    return {
      data: r,
      human: () =>
        [
          `${project.name}: ${r.status}`,
          table(
            [t('headers.check'), t('headers.status'), t('headers.evidence'), t('headers.fix')],
            r.checks.map((c) => [c.title, c.status, c.evidence, c.fix ?? '']),
          ),
        ].join('\n'),
    };
  },
});

const projectsRepair = defineCommand({
  path: ['projects', 'repair'],
  args: projectArgs,
  flags: { 'dry-run': { type: 'boolean' } },
  help: 'help.projectsRepair',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const r = await ctx.desktop.repairProject(server.id, project.id, { dryRun: flags['dry-run'] });
    return {
      data: r,
      human: () =>
        r.actions.length === 0
          ? t('results.nothingToRepair')
          : table(
              [t('headers.action'), t('headers.target'), t('headers.reason'), t('headers.done')],
              r.actions.map((a) => [
                a.kind,
                a.target,
                a.reason,
                a.done ? t('results.yes') : (a.error ?? t('results.no')),
              ]),
            ),
    };
  },
});

const OPEN_TARGETS = ['studio', 'api', 'database'] as const satisfies readonly OpenTarget[];

const projectsOpen = defineCommand({
  path: ['projects', 'open'],
  args: projectArgs,
  flags: { target: { type: 'choice', choices: OPEN_TARGETS } },
  help: 'help.projectsOpen',
  interruptible: true,
  async run(ctx, { args, flags }) {
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const { url } = await ctx.desktop.openProject(server.id, project.id, flags.target ?? 'studio');
    // A private project's address is a local forward: it lives only as long as this process.
    if (project.exposure === 'private' && server.kind === 'ssh') {
      ctx.io.stdout.write((ctx.json ? JSON.stringify({ url }, null, 2) : url) + '\n');
      ctx.note(ctx.messages.t('progress.forwarding'));
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return {};
    }
    return { data: { url }, human: () => url };
  },
});

export const projectCommands: AnyCommand[] = [
  projectsList,
  projectsShow,
  projectsCreate,
  projectsCancel,
  lifecycleCommand('start', 'help.projectsStart'),
  lifecycleCommand('stop', 'help.projectsStop'),
  lifecycleCommand('restart', 'help.projectsRestart'),
  projectsDelete,
  projectsCredentials,
  projectsDiagnose,
  projectsRepair,
  projectsOpen,
  projectsUpgrade,
  projectsUpgradePostgres,
  projectsReleases,
  ...fleetCommands,
  ...resizeCommands,
];
