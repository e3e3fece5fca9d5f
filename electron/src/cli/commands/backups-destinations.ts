import { promises as fs } from 'node:fs';
import type { BackupDestinationPublic } from '@protocol/backups';
import { UltrabaseError, isError } from '@contract/errors';
import { defineCommand, type CommandContext } from '../command-table';
import type { Translate } from '../i18n';
import { table } from '../output';
import { UsageError } from '../usage-error';
import { followJob } from './backups';
import { connectedServer, resolveProject, resolveServer } from './lookup';

/** An OpenSSH private key or known_hosts file is small; anything else is refused unread. */
const MAX_KEY_FILE_BYTES = 16_000;

async function readSmallFile(path: string): Promise<string> {
  const info = await fs.stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_KEY_FILE_BYTES) {
    throw new UltrabaseError('KEY_FILE_UNREADABLE', `Cannot use "${path}" as a key file.`, {
      keyPath: path,
      reason: !info ? 'not-found' : !info.isFile() ? 'not-a-regular-file' : 'too-large',
    });
  }
  return fs.readFile(path, 'utf8');
}

function destinationsTable(rows: BackupDestinationPublic[], t: Translate): string {
  return table(
    [
      t('backups.destinationHeaders.id'),
      t('backups.destinationHeaders.kind'),
      t('backups.destinationHeaders.name'),
      t('backups.destinationHeaders.where'),
    ],
    rows.map((d) => [
      d.id,
      d.kind,
      d.name,
      d.kind === 'sftp'
        ? `${d.user}@${d.host}:${d.port}${d.path}`
        : d.kind === 's3'
          ? `${d.endpoint}/${d.bucket}${d.prefix ? `/${d.prefix}` : ''}`
          : '—',
    ]),
  );
}

const needs = (kind: string, flags: string) =>
  new UsageError('INVALID_FLAG_VALUE', 'backups.usage.needs', { kind, flags });

export const destinationsList = defineCommand({
  path: ['backups', 'destinations', 'list'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'backups.help.destinationsList',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const rows = await ctx.desktop.listBackupDestinations(server.id);
    return { data: rows, human: () => destinationsTable(rows, ctx.messages.t) };
  },
});

export const destinationsAdd = defineCommand({
  path: ['backups', 'destinations', 'add'],
  args: [{ name: 'server' }],
  flags: {
    kind: { type: 'choice', choices: ['sftp', 's3'] },
    name: { type: 'string', placeholder: 'NAME', required: true },
    host: { type: 'string', placeholder: 'HOST' },
    port: { type: 'number', placeholder: 'PORT' },
    user: { type: 'string', placeholder: 'LOGIN' },
    path: { type: 'string', placeholder: '/ABSOLUTE/PATH' },
    /** The SSH private key is read from a file, never given as a value. */
    'key-file': { type: 'string', placeholder: 'FILE' },
    'known-hosts-file': { type: 'string', placeholder: 'FILE' },
    endpoint: { type: 'string', placeholder: 'URL' },
    bucket: { type: 'string', placeholder: 'BUCKET' },
    prefix: { type: 'string', placeholder: 'PREFIX' },
    'access-key-id': { type: 'string', placeholder: 'ID' },
    /** The S3 secret key: asked on a terminal, or one line on stdin with this flag. */
    'secret-stdin': { type: 'boolean' },
  },
  help: 'backups.help.destinationsAdd',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    let input: Parameters<typeof ctx.desktop.addBackupDestination>[1];
    if (flags.kind === 'sftp') {
      if (!flags.host || !flags.user || !flags.path || !flags['key-file']) {
        throw needs('sftp', '--host, --user, --path, --key-file');
      }
      input = {
        kind: 'sftp',
        name: flags.name,
        host: flags.host,
        port: flags.port ?? 22,
        user: flags.user,
        path: flags.path,
        privateKey: await readSmallFile(flags['key-file']),
        ...(flags['known-hosts-file']
          ? { knownHosts: (await readSmallFile(flags['known-hosts-file'])).trim() }
          : {}),
      };
    } else if (flags.kind === 's3') {
      if (!flags.endpoint || !flags.bucket || !flags['access-key-id']) {
        throw needs('s3', '--endpoint, --bucket, --access-key-id');
      }
      const question = { key: 'backups.s3SecretKey' as const };
      input = {
        kind: 's3',
        name: flags.name,
        endpoint: flags.endpoint,
        bucket: flags.bucket,
        ...(flags.prefix ? { prefix: flags.prefix } : {}),
        accessKeyId: flags['access-key-id'],
        secretAccessKey: flags['secret-stdin']
          ? await ctx.secrets.fromStdin(question)
          : await ctx.secrets.prompt(question, '--secret-stdin'),
      };
    } else {
      throw new UsageError('MISSING_ARGUMENT', 'usageErrors.flagRequired', { flag: 'kind' });
    }
    const server = await connectedServer(ctx, args.server);
    const destination = await ctx.desktop.addBackupDestination(server.id, input);
    return {
      data: destination,
      human: () =>
        t('backups.destinationAdded', {
          id: destination.id,
          name: destination.name,
          server: server.name,
        }),
    };
  },
});

export const destinationsRemove = defineCommand({
  path: ['backups', 'destinations', 'remove'],
  args: [{ name: 'server' }, { name: 'id' }],
  flags: {},
  help: 'backups.help.destinationsRemove',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const result = await ctx.desktop.removeBackupDestination(server.id, args.id);
    return {
      data: result,
      human: () => ctx.messages.t('backups.destinationRemoved', { id: args.id }),
    };
  },
});

/**
 * The source project's id and name. The source server may be gone (that is the point of a copy
 * off the server): then `<project>` is taken as the project's id, which the backups carry.
 */
async function sourceProject(
  ctx: CommandContext,
  serverId: string,
  serverName: string,
  project: string,
): Promise<{ id: string; name: string }> {
  try {
    await ctx.desktop.connectServer(serverId);
  } catch (error) {
    if (!(error instanceof UltrabaseError)) throw error;
    ctx.note(ctx.messages.t('backups.sourceUnreachable', { server: serverName, id: project }));
    return { id: project, name: project };
  }
  try {
    return await resolveProject(ctx, serverId, project);
  } catch (error) {
    // A deleted project's backups stay: its id still names them.
    if (isError(error, 'NOT_FOUND') && /^[a-z0-9]{4,40}$/.test(project)) {
      return { id: project, name: project };
    }
    throw error;
  }
}

export const backupsClone = defineCommand({
  path: ['backups', 'clone'],
  args: [{ name: 'server' }, { name: 'project' }],
  flags: {
    'to-server': { type: 'string', placeholder: 'SERVER', required: true },
    name: { type: 'string', placeholder: 'NEW-NAME' },
    destination: { type: 'string', placeholder: 'ID' },
    backup: { type: 'string', placeholder: 'ID' },
  },
  help: 'backups.help.clone',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const from = await resolveServer(ctx.desktop, args.server);
    const source = await sourceProject(ctx, from.id, from.name, args.project);
    const to = await connectedServer(ctx, flags['to-server']);
    const started = await ctx.desktop.cloneBackupToServer(from.id, source.id, {
      toServer: to.id,
      name: flags.name ?? `${source.name} copy`,
      ...(flags.destination ? { destination: flags.destination } : {}),
      ...(flags.backup ? { backupId: flags.backup } : {}),
    });
    await followJob(ctx, to.id, started.jobId, started.project.name);
    return {
      data: {
        jobId: started.jobId,
        backupId: started.backupId,
        server: to.id,
        project: started.project,
      },
      human: () =>
        t('backups.clonedTo', {
          name: started.project.name,
          id: started.backupId,
          server: to.name,
        }),
    };
  },
});

export const backupAcrossServerCommands = [
  destinationsList,
  destinationsAdd,
  destinationsRemove,
  backupsClone,
];
