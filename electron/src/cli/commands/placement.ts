import type { ServerView } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import type { ProjectSize } from '@protocol/types';
import { pickServer, type PlacementCandidate } from '../../core/placement';
import type { CommandContext } from '../command-table';

/**
 * `projects create auto <name>`: asks every server that connects for its capacity and picks the
 * one with the most headroom for the size, explaining the choice in one line. Servers that do
 * not connect are left out (and named).
 */
export async function placeProject(ctx: CommandContext, size: ProjectSize): Promise<ServerView> {
  const { t } = ctx.messages;
  const candidates: (PlacementCandidate & { view: ServerView })[] = [];
  for (const server of await ctx.desktop.listServers()) {
    try {
      const view = await ctx.desktop.connectServer(server.id);
      const capacity = await ctx.desktop.serverCapacity(server.id);
      candidates.push({ serverId: server.id, serverName: server.name, capacity, view });
    } catch {
      ctx.note(t('capacity.skipped', { server: server.name }));
    }
  }
  const placement = pickServer(candidates, size);
  if (!placement) {
    throw new UltrabaseError(
      'INSUFFICIENT_RESOURCES',
      `No server has room for another ${size.profile} project.`,
      { size },
    );
  }
  // Said even off a terminal: the person should know where the project went and why.
  const explain = (line: string) => {
    if (!ctx.json) ctx.io.stderr.write(line + '\n');
  };
  explain(
    placement.runnerUp
      ? t('capacity.placed', {
          server: placement.chosen.serverName,
          count: placement.headroom,
          size: size.profile,
          other: placement.runnerUp.serverName,
          otherCount: placement.runnerUp.headroom,
        })
      : t('capacity.placedOnly', {
          server: placement.chosen.serverName,
          count: placement.headroom,
          size: size.profile,
        }),
  );
  return candidates.find((c) => c.serverId === placement.chosen.serverId)!.view;
}
