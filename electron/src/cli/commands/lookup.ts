import type { ProjectView, ServerView } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import type { Desktop } from '../../core/desktop';
import type { CommandContext } from '../command-table';

export async function resolveServer(desktop: Desktop, nameOrId: string): Promise<ServerView> {
  const servers = await desktop.listServers();
  const found =
    servers.find((s) => s.id === nameOrId) ??
    servers.find((s) => s.name.toLowerCase() === nameOrId.toLowerCase());
  if (!found)
    throw new UltrabaseError(
      'SERVER_NOT_FOUND',
      `There is no server named "${nameOrId}" (see: ultrabase servers list).`,
      { name: nameOrId },
    );
  return found;
}

export async function connectedServer(ctx: CommandContext, nameOrId: string): Promise<ServerView> {
  const server = await resolveServer(ctx.desktop, nameOrId);
  ctx.note(ctx.messages.t('progress.connecting', { server: server.name }));
  return ctx.desktop.connectServer(server.id);
}

export async function resolveProject(
  ctx: CommandContext,
  serverId: string,
  nameOrId: string,
): Promise<ProjectView> {
  const projects = await ctx.desktop.listProjects(serverId);
  const found =
    projects.find((p) => p.id === nameOrId) ?? projects.find((p) => p.name === nameOrId);
  if (!found)
    throw new UltrabaseError('NOT_FOUND', `There is no project "${nameOrId}" on this server.`, {
      project: nameOrId,
    });
  return found;
}

/** A connected server and one of its projects, the two first arguments of most commands. */
export async function serverAndProject(
  ctx: CommandContext,
  serverName: string,
  projectName: string,
): Promise<{ server: ServerView; project: ProjectView }> {
  const server = await connectedServer(ctx, serverName);
  const project = await resolveProject(ctx, server.id, projectName);
  return { server, project };
}
