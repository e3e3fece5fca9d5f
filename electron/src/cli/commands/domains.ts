import type { DatabaseAccessView, DomainTarget, DomainView } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { defineCommand, type AnyCommand, type CommandContext } from '../command-table';
import { LocalisedError } from '../localised-error';
import { table } from '../output';
import { connectedServer, serverAndProject } from './lookup';

const domainArgs = [{ name: 'server' }, { name: 'project' }, { name: 'hostname' }] as const;

/** `api.acme.test. A 203.0.113.10`, the way DNS providers and zone files write a record. */
export function recordLines(records: DomainView['records']): string {
  return records.map((r) => `${r.name}. ${r.type} ${r.value}`).join('\n');
}

function certificateCell(ctx: CommandContext, domain: DomainView): string {
  const { t } = ctx.messages;
  const c = domain.certificate;
  const state = t(`domains.state.${c.state}`);
  return c.expiresAt
    ? `${state} (${t('domains.until', { date: c.expiresAt.slice(0, 10) })})`
    : state;
}

const domainsList = defineCommand({
  path: ['domains', 'list'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {},
  help: 'domains.helpList',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const domains = await ctx.desktop.projectDomains(server.id, project.id);
    return {
      data: domains,
      human: () =>
        domains.length === 0
          ? t('domains.none')
          : [
              table(
                [
                  t('domains.headerName'),
                  t('domains.headerTarget'),
                  t('domains.headerCertificate'),
                ],
                domains.map((d) => [d.hostname, d.target, certificateCell(ctx, d)]),
              ),
              ...domains
                .filter((d) => d.certificate.lastError)
                .map((d) => `${d.hostname}: ${d.certificate.lastError!.message}`),
              t('domains.dnsRecords'),
              recordLines(domains.flatMap((d) => d.records)),
            ].join('\n'),
    };
  },
});

const domainsAdd = defineCommand({
  path: ['domains', 'add'],
  args: domainArgs,
  flags: {
    target: { type: 'choice', choices: ['api', 'studio', 'both'] },
    hsts: { type: 'boolean' },
    'allow-ip': { type: 'string', placeholder: 'CIDR,…' },
  },
  help: 'domains.helpAdd',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const allow = flags['allow-ip']
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    let domain: DomainView;
    try {
      domain = await ctx.desktop.addProjectDomain(server.id, project.id, args.hostname, {
        target: flags.target as DomainTarget | undefined,
        ...(flags.hsts ? { hsts: true } : {}),
        ...(allow?.length ? { studioAllowIps: allow } : {}),
      });
    } catch (error) {
      throw dnsMismatch(error) ?? error;
    }
    return {
      data: domain,
      human: () =>
        t('domains.added', {
          hostname: domain.hostname,
          target: domain.target,
          state: t(`domains.state.${domain.certificate.state}`),
        }),
    };
  },
});

/** The agent's refusal carries the records to create: people get them in their language. */
function dnsMismatch(error: unknown): LocalisedError | undefined {
  if (!(error instanceof UltrabaseError) || error.code !== 'DOMAIN_DNS_MISMATCH') return undefined;
  const data = (error.data ?? {}) as { hostname?: unknown; records?: unknown };
  const records = Array.isArray(data.records) ? (data.records as DomainView['records']) : [];
  return new LocalisedError(
    'DOMAIN_DNS_MISMATCH',
    'domains.dnsMismatch',
    { hostname: String(data.hostname ?? ''), records: recordLines(records) },
    error.data,
  );
}

const domainsRemove = defineCommand({
  path: ['domains', 'remove'],
  args: domainArgs,
  flags: {},
  help: 'domains.helpRemove',
  async run(ctx, { args }) {
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    await ctx.desktop.removeProjectDomain(server.id, project.id, args.hostname);
    return {
      data: { ok: true },
      human: () => ctx.messages.t('domains.removed', { hostname: args.hostname }),
    };
  },
});

/** `--allow-ip all` opens Studio to everyone again (it keeps its basic auth). */
function allowList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'all') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const domainsUpdate = defineCommand({
  path: ['domains', 'update'],
  args: domainArgs,
  flags: {
    hsts: { type: 'choice', choices: ['on', 'off'] },
    'allow-ip': { type: 'string', placeholder: 'CIDR,…|all' },
  },
  help: 'domains.helpUpdate',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const studioAllowIps = allowList(flags['allow-ip']);
    const domain = await ctx.desktop.updateProjectDomain(server.id, project.id, args.hostname, {
      ...(flags.hsts ? { hsts: flags.hsts === 'on' } : {}),
      ...(studioAllowIps ? { studioAllowIps } : {}),
    });
    return {
      data: domain,
      human: () =>
        t('domains.updated', {
          hostname: domain.hostname,
          hsts: t(domain.hsts ? 'domains.on' : 'domains.off'),
          allow: domain.studioAllowIps.length
            ? domain.studioAllowIps.join(', ')
            : t('domains.everyone'),
        }),
    };
  },
});

const domainsCertificates = defineCommand({
  path: ['domains', 'certificates'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'domains.helpCertificates',
  async run(ctx, { args }) {
    const { t } = ctx.messages;
    const server = await connectedServer(ctx, args.server);
    const all = await ctx.desktop.serverDomains(server.id);
    return {
      data: all,
      human: () =>
        all.length === 0
          ? t('domains.none')
          : [
              table(
                [
                  t('domains.headerProject'),
                  t('domains.headerName'),
                  t('domains.headerCertificate'),
                  t('domains.headerRenewed'),
                ],
                all.map((d) => [
                  d.instanceName,
                  d.domain.hostname,
                  certificateCell(ctx, d.domain),
                  d.domain.certificate.renewedAt?.slice(0, 10) ?? '—',
                ]),
              ),
              ...all
                .filter((d) => d.domain.certificate.lastError)
                .map((d) => `${d.domain.hostname}: ${d.domain.certificate.lastError!.message}`),
            ].join('\n'),
    };
  },
});

function databaseLines(ctx: CommandContext, access: DatabaseAccessView): string {
  const { t } = ctx.messages;
  if (!access.enabled) return t('domains.databaseOff', { port: access.port });
  return [
    t('domains.databaseOn', { hostname: access.hostname!, port: access.port }),
    access.uri!,
    t('domains.databaseWarning'),
  ].join('\n');
}

const domainsDatabase = defineCommand({
  path: ['domains', 'database'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {
    internet: { type: 'choice', choices: ['on', 'off'] },
    hostname: { type: 'string', placeholder: 'HOSTNAME' },
  },
  help: 'domains.helpDatabase',
  async run(ctx, { args, flags }) {
    const { server, project } = await serverAndProject(ctx, args.server, args.project);
    const access =
      flags.internet === undefined
        ? await ctx.desktop.projectDatabaseAccess(server.id, project.id)
        : await ctx.desktop.setProjectDatabaseAccess(
            server.id,
            project.id,
            flags.internet === 'on',
            flags.hostname ? { hostname: flags.hostname } : undefined,
          );
    return { data: access, human: () => databaseLines(ctx, access) };
  },
});

export const domainsCommands: readonly AnyCommand[] = [
  domainsList,
  domainsAdd,
  domainsUpdate,
  domainsRemove,
  domainsCertificates,
  domainsDatabase,
];
