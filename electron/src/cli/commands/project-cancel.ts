import { defineCommand } from '../command-table';
import { projectsTable } from '../output';
import { serverAndProject } from './lookup';

/**
 * `ultrabase projects cancel <server> <project>`: stops a queued or running creation started
 * elsewhere (another terminal, the desktop app). Returns once the agent has rolled it back.
 */
export const projectsCancel = defineCommand({
  path: ['projects', 'cancel'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {},
  help: 'help.projectsCancel',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const p = await ctx.desktop.cancelCreation(server.id, project.id);
    return {
      data: p,
      human: () =>
        t('results.projectCancelled', { name: p.name, status: p.status }) +
        '\n' +
        projectsTable([p], t),
    };
  },
});
