import type {
  DiagnosticReport,
  PostgresUpgradePlan,
  ProgressEvent,
  ProjectView,
  UpgradePlan,
} from '@contract/api';
import type { UltrabaseError } from '@contract/errors';
import { defineCommand, type CommandContext } from '../command-table';
import { table } from '../output';
import { createProgressDisplay, displayModeFor } from '../progress-display';
import { PROGRESS_POLL_MS } from './project-create';
import { UsageError } from '../usage-error';
import { connectedServer, serverAndProject } from './lookup';

/** How one project of a bulk upgrade ended; `--json` prints these as they are. */
interface BulkOutcome {
  project: string;
  id: string;
  from: string;
  to?: string;
  result: 'upgraded' | 'up-to-date' | 'rolled-back' | 'failed';
  code?: string;
  message?: string;
}

const releaseFlag = { type: 'string', placeholder: 'release' } as const;

export const projectsReleases = defineCommand({
  path: ['projects', 'releases'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'help.projectsReleases',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const server = await connectedServer(ctx, args.server);
    const r = await ctx.desktop.stackReleases(server.id);
    return {
      data: r,
      human: () =>
        table(
          [t('upgrades.release'), t('upgrades.date'), t('upgrades.postgres'), t('upgrades.notes')],
          r.releases.map((x) => [
            x.id + (x.id === r.newest ? ` (${t('upgrades.newest')})` : ''),
            x.date,
            String(x.postgresMajor),
            x.notes[0] ?? '',
          ]),
        ),
    };
  },
});

/**
 * `projects upgrade <server> <project> [--to R] [--plan]`, or every project of the server with
 * `--all` (the agent runs at most its upgradeConcurrency at once; the rest wait their turn).
 */
export const projectsUpgrade = defineCommand({
  path: ['projects', 'upgrade'],
  args: [{ name: 'server' }, { name: 'project', optional: true }],
  flags: {
    to: releaseFlag,
    all: { type: 'boolean' },
    plan: { type: 'boolean' },
    concurrency: { type: 'number', placeholder: 'n' },
  },
  help: 'help.projectsUpgrade',
  async run(ctx, { args, flags }) {
    const options = flags.to ? { release: flags.to } : {};
    if (flags.all || !args.project) {
      if (!flags.all) throw new UsageError('MISSING_ARGUMENT', 'upgrades.projectOrAll');
      if (args.project) throw new UsageError('UNEXPECTED_ARGUMENT', 'upgrades.notBoth');
      return bulk(ctx, args.server, options, flags.plan, flags.concurrency ?? 2);
    }
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    if (flags.plan) {
      const plan = await ctx.desktop.upgradePlan(server.id, project.id, options);
      return { data: plan, human: () => describePlan(ctx, project, plan) };
    }
    ctx.note(ctx.messages.t('upgrades.upgrading', { name: project.name }));
    const r = await followUpgrade(
      ctx,
      server.id,
      project,
      ctx.desktop.upgradeProject(server.id, project.id, options),
    );
    return {
      data: r,
      human: () =>
        r.plan.upToDate
          ? ctx.messages.t('upgrades.upToDate', { name: project.name, release: r.plan.from })
          : [
              describePlan(ctx, r.project, r.plan),
              ctx.messages.t('upgrades.done', { name: project.name, release: r.plan.to }),
              ...describeDiagnosis(ctx, r.diagnosis),
            ].join('\n'),
    };
  },
});

/**
 * `projects upgrade-postgres <server> <project> [--to R] [--plan] --confirm <project name>`:
 * never part of a normal upgrade. Without --confirm it only shows the warning and the plan.
 */
export const projectsUpgradePostgres = defineCommand({
  path: ['projects', 'upgrade-postgres'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {
    to: releaseFlag,
    plan: { type: 'boolean' },
    confirm: { type: 'string', placeholder: 'project name' },
  },
  help: 'help.projectsUpgradePostgres',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const options = flags.to ? { release: flags.to } : {};
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const warning = (plan: PostgresUpgradePlan) =>
      t('upgrades.postgresWarning', {
        name: project.name,
        from: String(plan.fromMajor),
        to: String(plan.toMajor),
      });
    if (flags.plan) {
      const plan = await ctx.desktop.upgradePostgresPlan(server.id, project.id, options);
      return {
        data: plan,
        human: () => [warning(plan), describePlan(ctx, project, plan)].join('\n'),
      };
    }
    if (flags.confirm === undefined) {
      throw new UsageError('MISSING_ARGUMENT', 'upgrades.postgresConfirm', { name: project.name });
    }
    ctx.note(t('upgrades.postgresUpgrading', { name: project.name }));
    const r = await followUpgrade(
      ctx,
      server.id,
      project,
      ctx.desktop.upgradePostgres(server.id, project.id, { ...options, confirm: flags.confirm }),
    );
    return {
      data: r,
      human: () =>
        [
          t('upgrades.postgresDone', {
            name: project.name,
            major: String(r.plan.toMajor),
            release: r.plan.to,
          }),
          ...describeDiagnosis(ctx, r.diagnosis),
        ].join('\n'),
    };
  },
});

/** An upgrade's steps in the agent's order (remote-agent/src/upgrades/). */
const UPGRADE_STEPS = ['backup', 'pull', 'files', 'start', 'health'] as const;

/**
 * Draws the upgrade's steps while the call runs: a bar on a terminal, a line per step
 * otherwise, nothing with --json. The agent keeps the events; a look a second is enough.
 */
async function followUpgrade<T>(
  ctx: CommandContext,
  serverId: string,
  project: ProjectView,
  call: Promise<T>,
): Promise<T> {
  const { t } = ctx.messages;
  const display = createProgressDisplay(ctx.io.stderr, displayModeFor(ctx.io.stderr, ctx.json));
  const bar = display.bar(project.name, UPGRADE_STEPS.length * 2);
  let finished = false;
  const follow = (async () => {
    while (!finished) {
      const events = await ctx.desktop.projectProgress(serverId, project.id).then(
        (r) => r.events,
        () => [] as ProgressEvent[],
      );
      const at = upgradeStepOf(events);
      if (at)
        bar.update(
          at.value,
          t(`steps.${at.step}`) + (at.rollingBack ? ` (${t('steps.rollback')})` : ''),
        );
      if (!finished) await ctx.io.sleep(PROGRESS_POLL_MS);
    }
  })();
  try {
    return await call;
  } finally {
    finished = true;
    await follow;
    display.stop();
  }
}

/** How far an upgrade got, in half steps, from the events since its backup step began. */
export function upgradeStepOf(
  all: readonly ProgressEvent[],
): { value: number; step: (typeof UPGRADE_STEPS)[number]; rollingBack: boolean } | undefined {
  const start = all.findLastIndex((e) => e.step === 'backup' && e.status === 'started');
  if (start < 0) return undefined;
  let value = 0;
  let step: (typeof UPGRADE_STEPS)[number] = 'backup';
  let rollingBack = false;
  for (const e of all.slice(start)) {
    if (e.step === 'rollback') rollingBack = true;
    const index = (UPGRADE_STEPS as readonly string[]).indexOf(e.step);
    if (index < 0) continue;
    step = UPGRADE_STEPS[index]!;
    value = Math.max(value, index * 2 + (e.status === 'done' ? 2 : 1));
  }
  return { value, step, rollingBack };
}

/** The diagnosis' checks that need attention, one line each (none when all passed). */
function describeDiagnosis(ctx: CommandContext, report: DiagnosticReport | undefined): string[] {
  if (!report) return [];
  const bad = report.checks.filter((c) => c.status !== 'ok');
  if (bad.length === 0) return [ctx.messages.t('upgrades.diagnosisOk')];
  return [
    ctx.messages.t('upgrades.diagnosisBad', { count: String(bad.length) }),
    ...bad.map((c) => `  - ${c.title} (${c.status}): ${c.evidence}`),
  ];
}

async function bulk(
  ctx: CommandContext,
  serverName: string,
  options: { release?: string },
  planOnly: boolean,
  concurrency: number,
) {
  const { t } = ctx.messages;
  const server = await connectedServer(ctx, serverName);
  const projects = (await ctx.desktop.listProjects(server.id)).filter((p) =>
    ['running', 'degraded', 'stopped'].includes(p.status),
  );
  const outcomes: BulkOutcome[] = [];
  const queue = [...projects];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) outcomes.push(await one(ctx, server.id, p));
  };
  async function one(c: CommandContext, serverId: string, p: ProjectView): Promise<BulkOutcome> {
    const base = { project: p.name, id: p.id, from: p.release ?? '' };
    try {
      const plan = await c.desktop.upgradePlan(serverId, p.id, options);
      if (plan.upToDate) return { ...base, from: plan.from, result: 'up-to-date' };
      if (planOnly) return { ...base, from: plan.from, to: plan.to, result: 'upgraded' };
      c.note(t('upgrades.upgrading', { name: p.name }));
      const r = await c.desktop.upgradeProject(serverId, p.id, options);
      return { ...base, from: r.plan.from, to: r.plan.to, result: 'upgraded' };
    } catch (err) {
      const e = err as UltrabaseError;
      return {
        ...base,
        result: e.code === 'UPGRADE_ROLLED_BACK' ? 'rolled-back' : 'failed',
        code: e.code,
        message: e.message,
      };
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, 16)) }, worker));
  const order = new Map(projects.map((p, i) => [p.id, i]));
  outcomes.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const failed = outcomes.some((o) => o.result === 'failed' || o.result === 'rolled-back');
  return {
    data: { server: server.name, planOnly, results: outcomes },
    exitCode: failed ? 1 : 0,
    human: () =>
      outcomes.length === 0
        ? t('upgrades.noProjects')
        : table(
            [t('headers.name'), t('upgrades.from'), t('upgrades.to'), t('headers.status')],
            outcomes.map((o) => [
              o.project,
              o.from,
              o.to ?? '',
              t(`upgrades.results.${o.result}`) + (o.code ? ` (${o.code})` : ''),
            ]),
          ),
  };
}

function describePlan(ctx: CommandContext, project: ProjectView, plan: UpgradePlan): string {
  const { t } = ctx.messages;
  if (plan.upToDate) return t('upgrades.upToDate', { name: project.name, release: plan.from });
  return [
    t('upgrades.planLine', { name: project.name, from: plan.from, to: plan.to }),
    ...plan.notes.map((n) => `  - ${n}`),
    table(
      [t('upgrades.service'), t('upgrades.from'), t('upgrades.to')],
      plan.images.map((c) => [c.service, c.from, c.to]),
    ),
    ...(plan.databaseChanges ? [t('upgrades.databaseChanges')] : []),
  ].join('\n');
}
