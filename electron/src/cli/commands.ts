import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UltrabaseError } from '../contract/errors';
import type { ProjectView, Role, ServerInput, ServerView, SshAuthMethod } from '../contract/api';
import type { Desktop } from '../core/desktop';
import { flagBool, flagNumber, flagString, UsageError, type ParsedArgs } from './args';
import { projectsTable, serversTable, table, type Output } from './output';
import type { SecretInput } from './secrets-input';

export interface CliContext {
  desktop: Desktop;
  home: string;
  out: Output;
  secrets: SecretInput;
  args: ParsedArgs;
}

export const USAGE = `usage: ultrabase <command> [--json]

  servers add <name> --host H [--port P] [--user U] [--key FILE | --ssh-agent | --password]
                     [--jump <server>] [--agent-user U] [--agent-password-stdin]
                     [--ssh-password-stdin] [--key-passphrase-stdin]
  servers list | remove <name> | import-ssh-config [FILE]
  servers trust <name> [--fingerprint SHA256:…]    without it: show the key and ask
  connect <name>                                    bootstrap or upgrade the agent, log in
  disconnect <name>
  projects list [--server S]
  projects create <server> <name> [--public] [--wait] [--dry-run]
  projects start|stop|restart|delete|credentials|diagnose|repair|open <server> <project> [--target studio|api|database]
  logs <server> <project> [--service S] [--tail N] [--follow]
  users list <server>
  users create <server> <username> [--role admin|user] [--password-stdin]
  users passwd <server> <username> [--password-stdin]
  users grant|revoke <server> <username> <project>
  users delete <server> <username>

Secrets are never flag values: they are asked for on a terminal, or read from stdin one per
line in this order: SSH password, key passphrase, agent password (for the --…-stdin flags given).
ULTRABASE_HOME sets the settings directory (default ~/.config/ultrabase).`;

function need(args: ParsedArgs, index: number, what: string): string {
  const v = args.positional[index];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

export async function resolveServer(desktop: Desktop, nameOrId: string): Promise<ServerView> {
  const servers = await desktop.listServers();
  const found =
    servers.find((s) => s.id === nameOrId) ??
    servers.find((s) => s.name.toLowerCase() === nameOrId.toLowerCase());
  if (!found)
    throw new UltrabaseError(
      'SERVER_NOT_FOUND',
      `There is no server named "${nameOrId}" (see: ultrabase servers list).`,
    );
  return found;
}

async function connected(ctx: CliContext, nameOrId: string): Promise<ServerView> {
  const server = await resolveServer(ctx.desktop, nameOrId);
  ctx.out.progress(`connecting to ${server.name}…`);
  return ctx.desktop.connectServer(server.id);
}

async function resolveProject(
  ctx: CliContext,
  serverId: string,
  nameOrId: string,
): Promise<ProjectView> {
  const projects = await ctx.desktop.listProjects(serverId);
  const found =
    projects.find((p) => p.id === nameOrId) ?? projects.find((p) => p.name === nameOrId);
  if (!found)
    throw new UltrabaseError('NOT_FOUND', `There is no project "${nameOrId}" on this server.`);
  return found;
}

async function secretFor(
  ctx: CliContext,
  stdinFlag: string,
  what: string,
  ask: boolean,
): Promise<string | undefined> {
  if (flagBool(ctx.args, stdinFlag)) return ctx.secrets.fromStdin(what);
  if (ask) return ctx.secrets.prompt(what);
  return undefined;
}

async function serversAdd(ctx: CliContext): Promise<void> {
  const { args } = ctx;
  const name = need(args, 2, 'server name');
  const host = flagString(args, 'host');
  if (!host) throw new UsageError('--host is required');
  const keyPath = flagString(args, 'key');
  const auth: SshAuthMethod = keyPath
    ? 'key'
    : flagBool(args, 'password') || flagBool(args, 'ssh-password-stdin')
      ? 'password'
      : 'agent';
  const input: ServerInput = { name, host, auth };
  const port = flagNumber(args, 'port');
  if (port !== undefined) input.port = port;
  const user = flagString(args, 'user');
  if (user) input.username = user;
  if (keyPath) input.keyPath = keyPath;
  const agentUser = flagString(args, 'agent-user');
  if (agentUser) input.agentUsername = agentUser;
  const jump = flagString(args, 'jump');
  if (jump) input.jumpServerId = (await resolveServer(ctx.desktop, jump)).id;
  const secrets: NonNullable<ServerInput['secrets']> = {};
  const sshPassword = await secretFor(
    ctx,
    'ssh-password-stdin',
    'SSH password',
    auth === 'password' && ctx.secrets.interactive,
  );
  if (sshPassword) secrets.sshPassword = sshPassword;
  const passphrase = await secretFor(
    ctx,
    'key-passphrase-stdin',
    'Key passphrase (empty if none)',
    false,
  );
  if (passphrase) secrets.keyPassphrase = passphrase;
  const agentPassword = await secretFor(
    ctx,
    'agent-password-stdin',
    `Agent password for ${agentUser ?? 'admin'} (becomes the first admin's password on a new server)`,
    ctx.secrets.interactive && !ctx.out.json,
  );
  if (agentPassword) secrets.agentPassword = agentPassword;
  if (Object.keys(secrets).length > 0) input.secrets = secrets;
  const server = await ctx.desktop.addServer(input);
  ctx.out.result(
    server,
    () => `added ${server.name} (${server.id}); next: ultrabase servers trust ${server.name}`,
  );
}

async function serversTrust(ctx: CliContext): Promise<void> {
  const server = await resolveServer(ctx.desktop, need(ctx.args, 2, 'server name'));
  let fingerprint = flagString(ctx.args, 'fingerprint');
  if (!fingerprint) {
    try {
      await ctx.desktop.connectServer(server.id);
      ctx.out.result(
        await resolveServer(ctx.desktop, server.id),
        () => `${server.name}: the host key is already trusted`,
      );
      return;
    } catch (err) {
      const e = err as UltrabaseError;
      if (
        (e.code !== 'HOST_KEY_UNKNOWN' && e.code !== 'HOST_KEY_CHANGED') ||
        (e.data?.serverId && e.data.serverId !== server.id)
      )
        throw err;
      const presented = String(e.data?.fingerprint ?? '');
      process.stderr.write(`${e.message}\n\n  ${String(e.data?.algorithm)}  ${presented}\n\n`);
      if (
        !(await ctx.secrets.confirm('Does this fingerprint match the one your provider shows?'))
      ) {
        throw new UltrabaseError(
          e.code,
          ctx.secrets.interactive
            ? 'Not trusted.'
            : `${e.message} (no terminal: pass --fingerprint)`,
          e.data,
        );
      }
      fingerprint = presented;
    }
  }
  const trusted = await ctx.desktop.trustHostKey(server.id, fingerprint);
  ctx.out.result(trusted, () => `${trusted.name}: trusted ${trusted.hostKey?.fingerprint}`);
}

async function serversImport(ctx: CliContext): Promise<void> {
  const hosts = await ctx.desktop.readSshConfig(ctx.args.positional[2]);
  const existing = await ctx.desktop.listServers();
  const byName = new Map(existing.map((s) => [s.name.toLowerCase(), s.id]));
  const added: ServerView[] = [];
  const skipped: string[] = [];
  // Jump hosts first, so a ProxyJump can point at a profile made in this same import.
  const ordered = [...hosts].sort(
    (a, b) => Number(Boolean(a.proxyJump)) - Number(Boolean(b.proxyJump)),
  );
  for (const h of ordered) {
    if (byName.has(h.alias.toLowerCase())) {
      skipped.push(h.alias);
      continue;
    }
    const input: ServerInput = {
      name: h.alias,
      host: h.hostName,
      auth: h.identityFile ? 'key' : 'agent',
    };
    if (h.port) input.port = h.port;
    if (h.user) input.username = h.user;
    if (h.identityFile) input.keyPath = h.identityFile;
    const jumpId = h.proxyJump ? byName.get(h.proxyJump.split(',')[0]!.toLowerCase()) : undefined;
    if (jumpId) input.jumpServerId = jumpId;
    const server = await ctx.desktop.addServer(input);
    byName.set(server.name.toLowerCase(), server.id);
    added.push(server);
  }
  ctx.out.result({ added, skipped }, () =>
    [
      `imported ${added.length} server(s)`,
      ...added.map((s) => `  ${s.name} → ${s.username}@${s.host}:${s.port}`),
      ...(skipped.length ? [`skipped (exist): ${skipped.join(', ')}`] : []),
    ].join('\n'),
  );
}

async function projectsList(ctx: CliContext): Promise<void> {
  const only = flagString(ctx.args, 'server');
  const errors: Array<{ server: string; code: string; message: string }> = [];
  if (only) {
    const server = await connected(ctx, only);
    const projects = await ctx.desktop.listProjects(server.id);
    ctx.out.result(projects, () => projectsTable(projects));
    return;
  }
  const servers = (await ctx.desktop.listServers()).filter(
    (s) => s.kind === 'ssh' || existsSync(join(ctx.home, 'local-agent')),
  );
  await Promise.all(
    servers.map((s) =>
      ctx.desktop.connectServer(s.id).catch((err: UltrabaseError) => {
        errors.push({ server: s.name, code: err.code, message: err.message });
      }),
    ),
  );
  const projects = await ctx.desktop.listProjects();
  for (const e of errors) process.stderr.write(`warning: ${e.server}: ${e.code}: ${e.message}\n`);
  ctx.out.result(ctx.out.json ? { projects, errors } : projects, () => projectsTable(projects));
}

async function waitForCreation(ctx: CliContext, serverId: string, id: string): Promise<void> {
  let seen = 0;
  for (;;) {
    const { events, finished } = await ctx.desktop.projectProgress(serverId, id);
    for (const e of events.slice(seen)) {
      const extra = e.image
        ? ` ${e.image}${e.percent !== undefined ? ` ${e.percent}%` : ''}`
        : e.service
          ? ` ${e.service} ${e.health ?? ''}`
          : '';
      ctx.out.progress(
        `  ${e.step.padEnd(11)} ${e.status}${extra}${e.message ? ` — ${e.message}` : ''}`,
      );
    }
    seen = events.length;
    if (finished) {
      const failed = events.find((e) => e.status === 'failed' && e.error);
      if (failed?.error)
        throw new UltrabaseError(failed.error.code, failed.error.message, { instanceId: id });
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function projectsCreate(ctx: CliContext): Promise<void> {
  const server = await connected(ctx, need(ctx.args, 2, 'server'));
  const name = need(ctx.args, 3, 'project name');
  const input: { name: string; exposure: 'public' | 'private'; dryRun?: boolean } = {
    name,
    exposure: flagBool(ctx.args, 'public') ? 'public' : 'private',
  };
  if (flagBool(ctx.args, 'dry-run')) input.dryRun = true;
  const created = await ctx.desktop.createProject(server.id, input);
  ctx.out.progress(
    `created ${created.project.name} (${created.project.id}), queue position ${created.queuePosition}`,
  );
  if (flagBool(ctx.args, 'wait') && !input.dryRun) {
    await waitForCreation(ctx, server.id, created.project.id);
    const final = await resolveProject(ctx, server.id, created.project.id);
    ctx.out.result({ project: final, queuePosition: created.queuePosition }, () =>
      projectsTable([final]),
    );
    return;
  }
  ctx.out.result(created, () => projectsTable([created.project]));
}

async function projectsAction(ctx: CliContext, action: string): Promise<void> {
  const server = await connected(ctx, need(ctx.args, 2, 'server'));
  const project = await resolveProject(ctx, server.id, need(ctx.args, 3, 'project'));
  const d = ctx.desktop;
  switch (action) {
    case 'start':
    case 'stop':
    case 'restart': {
      const fn =
        action === 'start' ? d.startProject : action === 'stop' ? d.stopProject : d.restartProject;
      const p = await fn(server.id, project.id);
      return ctx.out.result(p, () => projectsTable([p]));
    }
    case 'delete':
      await d.deleteProject(server.id, project.id);
      return ctx.out.result({ ok: true, deleted: project.id }, () => `deleted ${project.name}`);
    case 'credentials': {
      const c = await d.projectCredentials(server.id, project.id);
      return ctx.out.result(c, () =>
        table(
          ['KEY', 'VALUE'],
          Object.entries(c).map(([k, v]) => [k, String(v)]),
        ),
      );
    }
    case 'diagnose': {
      const r = await d.diagnoseProject(server.id, project.id);
      return ctx.out.result(r, () =>
        [
          `${project.name}: ${r.status}`,
          table(
            ['CHECK', 'STATUS', 'EVIDENCE', 'FIX'],
            r.checks.map((c) => [c.title, c.status, c.evidence, c.fix ?? '']),
          ),
        ].join('\n'),
      );
    }
    case 'repair': {
      const r = await d.repairProject(server.id, project.id, {
        dryRun: flagBool(ctx.args, 'dry-run'),
      });
      return ctx.out.result(r, () =>
        r.actions.length === 0
          ? 'nothing to repair'
          : table(
              ['ACTION', 'TARGET', 'REASON', 'DONE'],
              r.actions.map((a) => [
                a.kind,
                a.target,
                a.reason,
                a.done ? 'yes' : (a.error ?? 'no'),
              ]),
            ),
      );
    }
    case 'open': {
      const target = (flagString(ctx.args, 'target') ?? 'studio') as 'studio' | 'api' | 'database';
      if (!['studio', 'api', 'database'].includes(target))
        throw new UsageError('--target is studio, api or database');
      const { url } = await d.openProject(server.id, project.id, target);
      ctx.out.result({ url }, () => url);
      if (project.exposure === 'private' && server.kind === 'ssh') {
        ctx.out.progress('forwarding through SSH; press Ctrl-C to stop');
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      }
      return;
    }
  }
  throw new UsageError(`unknown projects command: ${action}`);
}

async function logs(ctx: CliContext): Promise<void> {
  const server = await connected(ctx, need(ctx.args, 1, 'server'));
  const project = await resolveProject(ctx, server.id, need(ctx.args, 2, 'project'));
  const options: { service?: string; tail?: number } = {};
  const service = flagString(ctx.args, 'service');
  if (service) options.service = service;
  const tail = flagNumber(ctx.args, 'tail');
  if (tail !== undefined) options.tail = tail;
  const print = (l: { service: string; time: string; text: string; stream: string }) =>
    process.stdout.write(
      ctx.out.json ? JSON.stringify(l) + '\n' : `${l.service.padEnd(10)} ${l.text}\n`,
    );
  if (!flagBool(ctx.args, 'follow')) {
    for (const l of await ctx.desktop.readLogs(server.id, project.id, options)) print(l);
    return;
  }
  const { stream } = await ctx.desktop.followLogs(server.id, project.id, options);
  await new Promise<void>((resolve, reject) => {
    const off = ctx.desktop.onEvent((e) => {
      if (e.type === 'stream.data' && e.stream === stream) {
        for (const l of e.lines) print(l);
        // Acknowledge once written, so a slow terminal (or a full pipe) slows the agent down.
        if (process.stdout.writableNeedDrain)
          process.stdout.once('drain', () => void ctx.desktop.ackStream(stream, e.bytes));
        else void ctx.desktop.ackStream(stream, e.bytes);
      } else if (e.type === 'stream.end' && e.stream === stream) {
        off();
        if (e.error) reject(new UltrabaseError(e.error.code, e.error.message));
        else resolve();
      } else if (
        e.type === 'server.state' &&
        e.server.id === server.id &&
        e.server.state === 'reconnecting'
      ) {
        process.stderr.write(`(connection lost, reconnecting…)\n`);
      }
    });
    process.once('SIGINT', () => {
      off();
      void ctx.desktop.closeStream(stream).finally(resolve);
    });
  });
}

async function users(ctx: CliContext, action: string): Promise<void> {
  const server = await connected(ctx, need(ctx.args, 2, 'server'));
  const d = ctx.desktop;
  const password = async () =>
    flagBool(ctx.args, 'password-stdin')
      ? ctx.secrets.fromStdin('the password')
      : ctx.secrets.prompt('Password');
  switch (action) {
    case 'list': {
      const list = await d.listUsers(server.id);
      return ctx.out.result(list, () =>
        table(
          ['USER', 'ROLE', 'DISABLED', 'GRANTS'],
          list.map((u) => [u.username, u.role, u.disabled ? 'yes' : '', u.grants.join(',')]),
        ),
      );
    }
    case 'create': {
      const role = (flagString(ctx.args, 'role') ?? 'user') as Role;
      if (role !== 'admin' && role !== 'user') throw new UsageError('--role is admin or user');
      const u = await d.createUser(server.id, {
        username: need(ctx.args, 3, 'username'),
        password: await password(),
        role,
      });
      return ctx.out.result(u, () => `created ${u.username} (${u.role})`);
    }
    case 'passwd': {
      const u = await d.updateUser(server.id, {
        username: need(ctx.args, 3, 'username'),
        password: await password(),
      });
      return ctx.out.result(u, () => `password changed for ${u.username}`);
    }
    case 'delete': {
      const username = need(ctx.args, 3, 'username');
      await d.deleteUser(server.id, username);
      return ctx.out.result({ ok: true }, () => `deleted ${username}`);
    }
    case 'grant':
    case 'revoke': {
      const username = need(ctx.args, 3, 'username');
      const project = await resolveProject(ctx, server.id, need(ctx.args, 4, 'project'));
      const u = await (action === 'grant' ? d.grantProject : d.revokeProject)(
        server.id,
        username,
        project.id,
      );
      return ctx.out.result(
        u,
        () => `${username}: ${action === 'grant' ? 'granted' : 'revoked'} ${project.name}`,
      );
    }
  }
  throw new UsageError(`unknown users command: ${action}`);
}

export async function runCommand(ctx: CliContext): Promise<void> {
  const [group, action] = ctx.args.positional;
  const d = ctx.desktop;
  switch (group) {
    case 'servers':
      switch (action) {
        case 'add':
          return serversAdd(ctx);
        case 'list': {
          const servers = await d.listServers();
          return ctx.out.result(servers, () => serversTable(servers));
        }
        case 'remove': {
          const s = await resolveServer(d, need(ctx.args, 2, 'server name'));
          await d.removeServer(s.id);
          return ctx.out.result({ ok: true, removed: s.id }, () => `removed ${s.name}`);
        }
        case 'import-ssh-config':
          return serversImport(ctx);
        case 'trust':
          return serversTrust(ctx);
      }
      break;
    case 'connect': {
      const server = await resolveServer(d, need(ctx.args, 1, 'server name'));
      const off = d.onEvent((e) => {
        if (e.type === 'server.state' && e.server.id === server.id)
          ctx.out.progress(`  ${e.server.state}`);
      });
      const v = await d.connectServer(server.id);
      off();
      return ctx.out.result(
        v,
        () =>
          `connected to ${v.name}: agent ${v.agent?.version ?? '?'}, logged in as ${v.user?.username ?? '?'} (${v.user?.role ?? '?'})`,
      );
    }
    case 'disconnect': {
      const server = await resolveServer(d, need(ctx.args, 1, 'server name'));
      await d.disconnectServer(server.id);
      return ctx.out.result({ ok: true }, () => `disconnected ${server.name}`);
    }
    case 'projects':
      if (action === 'list') return projectsList(ctx);
      if (action === 'create') return projectsCreate(ctx);
      if (action) return projectsAction(ctx, action);
      break;
    case 'logs':
      return logs(ctx);
    case 'users':
      if (action) return users(ctx, action);
      break;
  }
  throw new UsageError(
    group ? `unknown command: ${ctx.args.positional.slice(0, 2).join(' ')}` : 'no command given',
  );
}
