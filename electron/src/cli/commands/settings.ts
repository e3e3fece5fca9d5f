import type { SecretRotation, SettingValue, StackChangePlan } from '@contract/api';
import { defineCommand, type AnyCommand, type CommandContext } from '../command-table';
import { table } from '../output';
import { UsageError } from '../usage-error';
import { serverAndProject } from './lookup';

const projectArgs = [{ name: 'server' }, { name: 'project' }] as const;

/** Setting keys whose values are secrets: typed at a prompt or read from stdin, never argv. */
export const SECRET_SETTING = /\.(password|secret|authToken)$/;

const ROTATIONS = [
  'jwt',
  'db-password',
  'dashboard-password',
] as const satisfies readonly SecretRotation[];

const settingsShow = defineCommand({
  path: ['settings', 'show'],
  args: projectArgs,
  flags: {},
  help: 'settings.helpShow',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const view = await ctx.desktop.projectSettings(server.id, project.id);
    return {
      data: view,
      human: () =>
        [
          table(
            [t('headers.key'), t('headers.value')],
            Object.entries(view.values).map(([k, v]) => [k, shown(v)]),
          ),
          t('settings.secretsSet', {
            keys: view.secretsSet.length > 0 ? view.secretsSet.join(', ') : '—',
          }),
        ].join('\n'),
    };
  },
});

/**
 * `key=value` words, plus bare secret keys (`smtp.password`) whose values are asked for: at a
 * hidden prompt on a terminal, or one line each from stdin with --secrets-stdin, in order.
 */
async function readChanges(
  ctx: CommandContext,
  words: readonly string[],
  secretsFromStdin: boolean,
): Promise<Record<string, SettingValue>> {
  if (words.length === 0) {
    throw new UsageError('MISSING_ARGUMENT', 'usageErrors.missingArgument', { name: 'key=value' });
  }
  const changes: Record<string, SettingValue> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    const key = eq === -1 ? word : word.slice(0, eq);
    if (SECRET_SETTING.test(key)) {
      if (eq !== -1) {
        throw new UsageError('SECRET_IN_FLAG', 'settings.secretOnCommandLine', { key });
      }
      changes[key] = secretsFromStdin
        ? await ctx.secrets.fromStdin({ key: 'settings.secretValue', values: { key } })
        : await ctx.secrets.prompt(
            { key: 'settings.secretValue', values: { key } },
            '--secrets-stdin',
          );
      continue;
    }
    if (eq === -1) {
      throw new UsageError('MISSING_ARGUMENT', 'settings.expectedKeyValue', { value: word });
    }
    changes[key] = word.slice(eq + 1);
  }
  return changes;
}

function planLines(ctx: CommandContext, plan: StackChangePlan, dryRun: boolean): string {
  const { t } = ctx.messages;
  if (plan.keys.length === 0 && plan.services.length === 0) return t('settings.nothingChanges');
  return [
    t(dryRun ? 'settings.wouldChange' : 'settings.changed', { keys: plan.keys.join(', ') || '—' }),
    t(dryRun ? 'settings.wouldRestart' : 'settings.restarted', {
      services: plan.services.join(', ') || '—',
    }),
  ].join('\n');
}

const settingsSet = defineCommand({
  path: ['settings', 'set'],
  args: [...projectArgs, { name: 'key=value', variadic: true }],
  flags: { 'dry-run': { type: 'boolean' }, 'secrets-stdin': { type: 'boolean' } },
  help: 'settings.helpSet',
  async run(ctx, { args, flags, rest }) {
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const changes = await readChanges(ctx, rest ?? [], flags['secrets-stdin']);
    const dryRun = flags['dry-run'];
    const result = await ctx.desktop.setProjectSettings(server.id, project.id, changes, { dryRun });
    return { data: result, human: () => planLines(ctx, result.plan, dryRun) };
  },
});

const settingsRotate = defineCommand({
  path: ['settings', 'rotate'],
  args: [...projectArgs, { name: 'secret' }],
  flags: { yes: { type: 'boolean', short: 'y' }, 'dry-run': { type: 'boolean' } },
  help: 'settings.helpRotate',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const secret = ROTATIONS.find((r) => r === args.secret);
    if (!secret) {
      throw new UsageError('INVALID_FLAG_VALUE', 'settings.unknownSecret', {
        value: args.secret,
        choices: ROTATIONS.join(', '),
      });
    }
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const dryRun = flags['dry-run'];
    if (!dryRun && !flags.yes) {
      // The old value stops working at once: apps holding it break until they get the new one.
      const plan = await ctx.desktop.rotateProjectSecret(server.id, project.id, secret, {
        dryRun: true,
      });
      ctx.io.stderr.write(planLines(ctx, plan.plan, true) + '\n');
      const ok = await ctx.secrets.confirm(
        t(`settings.confirm.${secret}`, { project: project.name }),
      );
      if (!ok) throw new UsageError('CANCELLED', 'settings.notConfirmed');
    }
    const result = await ctx.desktop.rotateProjectSecret(server.id, project.id, secret, { dryRun });
    return { data: result, human: () => planLines(ctx, result.plan, dryRun) };
  },
});

const settingsTestEmail = defineCommand({
  path: ['settings', 'test-email'],
  args: [...projectArgs, { name: 'to' }],
  flags: {},
  help: 'settings.helpTestEmail',
  async run(ctx, { args }) {
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const result = await ctx.desktop.sendTestEmail(server.id, project.id, args.to);
    return { data: result, human: () => ctx.messages.t('settings.emailSent', { to: args.to }) };
  },
});

function shown(value: SettingValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

export const settingsCommands: AnyCommand[] = [
  settingsShow,
  settingsSet,
  settingsRotate,
  settingsTestEmail,
];
