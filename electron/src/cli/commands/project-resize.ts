import type { StackChangePlan } from '@contract/api';
import {
  OPTIONAL_SERVICE_DEFAULTS,
  OPTIONAL_SERVICES,
  SIZE_PROFILES,
  type OptionalService,
  type OptionalServices,
  type ProjectSize,
} from '@protocol/types';
import { defineCommand, type AnyCommand, type CommandContext } from '../command-table';
import { UsageError } from '../usage-error';
import { serverAndProject } from './lookup';

const projectArgs = [{ name: 'server' }, { name: 'project' }] as const;

/** `small|medium|large`, or `custom` with `--memory MB --cpus N`. */
export function sizeOf(
  word: string,
  memory: number | undefined,
  cpus: string | undefined,
): ProjectSize {
  const profile = SIZE_PROFILES.find((p) => p === word);
  if (!profile) {
    throw new UsageError('INVALID_FLAG_VALUE', 'capacity.unknownSize', {
      value: word,
      choices: SIZE_PROFILES.join(', '),
    });
  }
  if (profile !== 'custom') {
    if (memory !== undefined || cpus !== undefined) {
      throw new UsageError('UNEXPECTED_ARGUMENT', 'capacity.customOnly', { size: profile });
    }
    return { profile };
  }
  if (memory === undefined) {
    throw new UsageError('MISSING_ARGUMENT', 'usageErrors.flagRequired', { flag: 'memory' });
  }
  if (cpus === undefined) {
    throw new UsageError('MISSING_ARGUMENT', 'usageErrors.flagRequired', { flag: 'cpus' });
  }
  const cores = Number(cpus);
  if (!/^\d+(\.\d+)?$/.test(cpus) || !(cores > 0)) {
    throw new UsageError('INVALID_FLAG_VALUE', 'capacity.badCpus', { value: cpus });
  }
  return { profile, memoryMb: memory, cpus: cores };
}

/** `--enable functions,realtime --disable imgproxy` as the agent's optional-service change. */
export function servicesChange(
  enable: string | undefined,
  disable: string | undefined,
): OptionalServices {
  const change: OptionalServices = {};
  const add = (list: string | undefined, flag: 'enable' | 'disable') => {
    for (const raw of (list ?? '').split(',')) {
      const name = raw.trim();
      if (!name) continue;
      const service = OPTIONAL_SERVICES.find((s) => s === name);
      if (!service) {
        throw new UsageError('INVALID_FLAG_VALUE', 'usageErrors.notOneOf', {
          flag,
          choices: OPTIONAL_SERVICES.join(', '),
        });
      }
      if (change[service] !== undefined && change[service] !== (flag === 'enable')) {
        throw new UsageError('INVALID_FLAG_VALUE', 'capacity.bothWays', { service });
      }
      change[service] = flag === 'enable';
    }
  };
  add(enable, 'enable');
  add(disable, 'disable');
  return change;
}

/** Every optional service with whether the project runs it (absent keys take the defaults). */
export function servicesOf(chosen: OptionalServices | undefined): Record<OptionalService, boolean> {
  return { ...OPTIONAL_SERVICE_DEFAULTS, ...chosen };
}

function planLines(ctx: CommandContext, plan: StackChangePlan, dryRun: boolean): string {
  const { t } = ctx.messages;
  if (plan.services.length === 0) return t('capacity.nothingRecreated');
  return t(dryRun ? 'capacity.wouldRecreate' : 'capacity.recreated', {
    services: plan.services.join(', '),
  });
}

/**
 * Plans first (the agent checks memory and lists what it would recreate), then applies unless
 * --dry-run. The answer always carries the plan, so --json says what was recreated.
 */
async function reshape(
  ctx: CommandContext,
  serverName: string,
  projectName: string,
  change: { size?: ProjectSize; optionalServices?: OptionalServices },
  dryRun: boolean,
) {
  const { server, project } = await serverAndProject(ctx, serverName, projectName);
  const planned = await ctx.desktop.planReshapeProject(server.id, project.id, change);
  if (dryRun) return { project, plan: planned.plan, dryRun: true };
  ctx.note(planLines(ctx, planned.plan, true));
  const updated = await ctx.desktop.reshapeProject(server.id, project.id, change);
  return { project: updated, plan: planned.plan, dryRun: false };
}

const resize = defineCommand({
  path: ['projects', 'resize'],
  args: [...projectArgs, { name: 'size' }],
  flags: {
    memory: { type: 'number', placeholder: 'MB' },
    cpus: { type: 'string', placeholder: 'N' },
    'dry-run': { type: 'boolean' },
  },
  help: 'capacity.helpResize',
  async run(ctx, { args, flags }) {
    const size = sizeOf(args.size, flags.memory, flags.cpus);
    const result = await reshape(ctx, args.server, args.project, { size }, flags['dry-run']);
    return {
      data: result,
      human: () =>
        [
          ctx.messages.t(result.dryRun ? 'capacity.wouldResize' : 'capacity.resized', {
            project: result.project.name,
            size: args.size,
          }),
          planLines(ctx, result.plan, result.dryRun),
        ].join('\n'),
    };
  },
});

const services = defineCommand({
  path: ['projects', 'services'],
  args: projectArgs,
  flags: {
    enable: { type: 'string', placeholder: 'functions,realtime' },
    disable: { type: 'string', placeholder: 'imgproxy,studio' },
    'dry-run': { type: 'boolean' },
  },
  help: 'capacity.helpServices',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const change = servicesChange(flags.enable, flags.disable);
    const listing = (chosen: OptionalServices | undefined) =>
      OPTIONAL_SERVICES.map(
        (s) => `${s.padEnd(10)} ${servicesOf(chosen)[s] ? t('capacity.on') : t('capacity.off')}`,
      ).join('\n');
    if (Object.keys(change).length === 0) {
      // No change asked: what the project runs now.
      const { project } = await serverAndProject(ctx, args.server, args.project);
      const data = { project: project.name, services: servicesOf(project.optionalServices) };
      return { data, human: () => listing(project.optionalServices) };
    }
    const result = await reshape(
      ctx,
      args.server,
      args.project,
      { optionalServices: change },
      flags['dry-run'],
    );
    const after = result.dryRun
      ? { ...result.project.optionalServices, ...change }
      : result.project.optionalServices;
    return {
      data: { ...result, services: servicesOf(after) },
      human: () => [listing(after), planLines(ctx, result.plan, result.dryRun)].join('\n'),
    };
  },
});

export const resizeCommands: AnyCommand[] = [resize, services];
