import type { ProjectView } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { ErrorCode } from '@protocol/error-codes';
import { defineCommand, type CommandContext } from '../command-table';
import { CreationProgress } from '../creation-progress';
import { projectsTable } from '../output';
import { createProgressDisplay, displayModeFor } from '../progress-display';
import type { CreateProjectInput } from '../../core/desktop';
import { OPTIONAL_SERVICES, type OptionalServices, type ProjectSize } from '@protocol/types';
import { connectedServer, resolveProject } from './lookup';
import { placeProject } from './placement';

/** How often `--wait` asks the agent for progress. */
export const PROGRESS_POLL_MS = 1000;

export const projectsCreate = defineCommand({
  path: ['projects', 'create'],
  args: [{ name: 'server' }, { name: 'name' }],
  flags: {
    public: { type: 'boolean' },
    wait: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    size: { type: 'choice', choices: ['small', 'medium', 'large'] },
    without: { type: 'string', placeholder: 'functions,realtime,imgproxy,studio' },
    'with-logs': { type: 'boolean' },
  },
  help: 'help.projectsCreate',
  interruptible: true,
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const size: ProjectSize | undefined = flags.size
      ? { profile: flags.size as ProjectSize['profile'] }
      : undefined;
    const optionalServices = optionalServicesOf(flags.without, flags['with-logs']);
    const server =
      args.server === 'auto'
        ? await placeProject(ctx, size ?? { profile: 'medium' })
        : await connectedServer(ctx, args.server);
    const input: CreateProjectInput = {
      name: args.name,
      exposure: flags.public ? 'public' : 'private',
      ...(size ? { size } : {}),
      ...(optionalServices ? { optionalServices } : {}),
    };
    if (flags['dry-run']) input.dryRun = true;
    const created = await ctx.desktop.createProject(server.id, input);
    ctx.note(
      t('progress.created', {
        name: created.project.name,
        id: created.project.id,
        position: created.queuePosition,
      }),
    );
    if (!flags.wait || input.dryRun)
      return { data: created, human: () => projectsTable([created.project], t) };
    const outcome = await waitForCreation(ctx, server.id, created.project);
    if (outcome === 'interrupted') {
      // Ctrl-C means "I do not want this project": cancel it, and wait for the rollback so the
      // person knows nothing is left running when the prompt comes back.
      const name = created.project.name;
      ctx.io.stderr.write(t('progress.cancellingCreate', { name }) + '\n');
      const project = await cancelUnlessFinished(ctx, server.id, created.project.id);
      ctx.io.stderr.write(
        (project.status === 'failed'
          ? t('progress.cancelledCreate', { name, server: server.name })
          : t('progress.cancelTooLate', { name, status: project.status })) + '\n',
      );
      return {
        data: {
          project,
          queuePosition: created.queuePosition,
          cancelled: project.status === 'failed',
        },
        exitCode: 130,
      };
    }
    const final = await resolveProject(ctx, server.id, created.project.id);
    return {
      data: { project: final, queuePosition: created.queuePosition },
      human: () => projectsTable([final], t),
    };
  },
});

/** Cancels the creation; one that finished in the meantime is reported as it now is. */
async function cancelUnlessFinished(
  ctx: CommandContext,
  serverId: string,
  projectId: string,
): Promise<ProjectView> {
  try {
    return await ctx.desktop.cancelCreation(serverId, projectId);
  } catch (err) {
    if (err instanceof UltrabaseError && err.code === ErrorCode.INVALID_STATE) {
      return resolveProject(ctx, serverId, projectId);
    }
    throw err;
  }
}

/** Follows a creation's progress to its end, or until Ctrl-C. */
async function waitForCreation(
  ctx: CommandContext,
  serverId: string,
  project: ProjectView,
): Promise<'finished' | 'interrupted'> {
  const display = createProgressDisplay(ctx.io.stderr, displayModeFor(ctx.io.stderr, ctx.json));
  const progress = new CreationProgress(display, ctx.messages.t, project.name);
  let seen = 0;
  try {
    for (;;) {
      if (ctx.signal.aborted) return 'interrupted';
      const { events, finished } = await ctx.desktop.projectProgress(serverId, project.id);
      for (const e of events.slice(seen)) progress.show(e);
      seen = events.length;
      if (finished) {
        const failed = events.find((e) => e.status === 'failed' && e.error);
        if (failed?.error)
          throw new UltrabaseError(failed.error.code, failed.error.message, {
            instanceId: project.id,
          });
        return 'finished';
      }
      await sleepUnlessAborted(ctx, PROGRESS_POLL_MS);
    }
  } finally {
    display.stop();
  }
}

function sleepUnlessAborted(ctx: CommandContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      ctx.signal.removeEventListener('abort', done);
      resolve();
    };
    ctx.signal.addEventListener('abort', done);
    void ctx.io.sleep(ms).then(done);
  });
}

/** `--without functions,imgproxy` and `--with-logs` as the agent's optional-service choices. */
function optionalServicesOf(
  without: string | undefined,
  withLogs: boolean | undefined,
): OptionalServices | undefined {
  if (!without && !withLogs) return undefined;
  const chosen: OptionalServices = {};
  for (const raw of (without ?? '').split(',')) {
    const name = raw.trim();
    if (!name) continue;
    if (!(OPTIONAL_SERVICES as readonly string[]).includes(name) || name === 'logs') {
      throw new UltrabaseError(
        'INVALID_PARAMS',
        `"${name}" is not a service that can be turned off (functions, realtime, imgproxy, studio).`,
        { field: 'without' },
      );
    }
    chosen[name as keyof OptionalServices] = false;
  }
  if (withLogs) chosen.logs = true;
  return chosen;
}
