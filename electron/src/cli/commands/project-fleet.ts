import { BULK_ACTIONS, type BulkJob } from '@protocol/bulk';
import { defineCommand, type AnyCommand } from '../command-table';
import type { Translate } from '../i18n/catalogue';
import { table } from '../output';
import { connectedServer, resolveProject, serverAndProject } from './lookup';

/** `a,b, c` → ['a', 'b', 'c']: tags and project names are given as one comma-separated flag. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * `ultrabase projects tag <server> <project> [--add t,…] [--remove t,…] [--clear]`: without a
 * flag prints the tags. The agent normalises and checks them (INVALID_TAG names the bad one).
 */
const projectsTag = defineCommand({
  path: ['projects', 'tag'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {
    add: { type: 'string', placeholder: 'tags' },
    remove: { type: 'string', placeholder: 'tags' },
    clear: { type: 'boolean' },
  },
  help: 'fleet.helpTag',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const changing = flags.clear || flags.add !== undefined || flags.remove !== undefined;
    const removed = new Set(list(flags.remove).map((x) => x.toLowerCase()));
    const next = flags.clear
      ? list(flags.add)
      : [...(project.tags ?? []).filter((x) => !removed.has(x)), ...list(flags.add)];
    const p = changing ? await ctx.desktop.setProjectTags(server.id, project.id, next) : project;
    const tags = p.tags ?? [];
    return {
      data: { project: p.id, name: p.name, tags },
      human: () =>
        tags.length === 0
          ? t('fleet.noTags', { name: p.name })
          : t('fleet.tags', { name: p.name, tags: tags.join(', ') }),
    };
  },
});

/**
 * `ultrabase projects bulk <server> <action> --projects a,b,…`: the agent runs the job; this
 * waits for it unless `--no-wait` and prints what happened to each project. Ctrl-C leaves the
 * job running on the server.
 */
const projectsBulk = defineCommand({
  path: ['projects', 'bulk'],
  args: [{ name: 'server' }, { name: 'action' }],
  flags: {
    projects: { type: 'string', placeholder: 'names', required: true },
    'no-wait': { type: 'boolean' },
  },
  help: 'fleet.helpBulk',
  interruptible: true,
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const action = BULK_ACTIONS.find((a) => a === args.action);
    if (!action) {
      return {
        data: { error: 'INVALID_ACTION', actions: BULK_ACTIONS },
        human: () => t('fleet.badAction', { actions: BULK_ACTIONS.join(', ') }),
        exitCode: 2,
      };
    }
    const server = await connectedServer(ctx, args.server);
    const ids: string[] = [];
    for (const name of list(flags.projects)) {
      ids.push((await resolveProject(ctx, server.id, name)).id);
    }
    let job = await ctx.desktop.startBulk(server.id, action, ids);
    ctx.note(t('fleet.bulkStarted', { job: job.id, total: job.total }));
    while (!flags['no-wait'] && job.finishedAt === undefined && !ctx.signal.aborted) {
      await new Promise((r) => setTimeout(r, 500));
      job = await ctx.desktop.bulkJob(server.id, job.id);
    }
    return {
      data: job,
      human: () => bulkReport(job, t),
      exitCode: job.failed > 0 ? 1 : 0,
    };
  },
});

function bulkReport(job: BulkJob, t: Translate): string {
  return [
    t('fleet.bulkSummary', {
      done: job.done,
      failed: job.failed,
      skipped: job.skipped,
      total: job.total,
    }),
    table(
      [t('headers.name'), t('headers.status'), t('fleet.headerCode'), t('headers.reason')],
      job.items.map((i) => [i.name, i.status, i.error?.code ?? '', i.error?.message ?? '']),
    ),
  ].join('\n');
}

export const fleetCommands: AnyCommand[] = [projectsTag, projectsBulk];
