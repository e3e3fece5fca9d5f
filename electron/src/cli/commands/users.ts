import { defineCommand, type CommandContext } from '../command-table';
import { usersTable } from '../output';
import { connectedServer, resolveProject } from './lookup';

async function password(ctx: CommandContext, fromStdin: boolean): Promise<string> {
  return fromStdin
    ? ctx.secrets.fromStdin({ key: 'secrets.stdinPassword' })
    : ctx.secrets.prompt({ key: 'secrets.userPassword' }, '--password-stdin');
}

const usersList = defineCommand({
  path: ['users', 'list'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'help.usersList',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const list = await ctx.desktop.listUsers(server.id);
    return { data: list, human: () => usersTable(list, ctx.messages.t) };
  },
});

const usersCreate = defineCommand({
  path: ['users', 'create'],
  args: [{ name: 'server' }, { name: 'username' }],
  flags: {
    role: { type: 'choice', choices: ['admin', 'user'] },
    'password-stdin': { type: 'boolean' },
  },
  help: 'help.usersCreate',
  async run(ctx, { args, flags }) {
    const server = await connectedServer(ctx, args.server);
    const u = await ctx.desktop.createUser(server.id, {
      username: args.username,
      password: await password(ctx, flags['password-stdin']),
      role: flags.role ?? 'user',
    });
    return {
      data: u,
      human: () => ctx.messages.t('results.userCreated', { user: u.username, role: u.role }),
    };
  },
});

const usersPasswd = defineCommand({
  path: ['users', 'passwd'],
  args: [{ name: 'server' }, { name: 'username' }],
  flags: { 'password-stdin': { type: 'boolean' } },
  help: 'help.usersPasswd',
  async run(ctx, { args, flags }) {
    const server = await connectedServer(ctx, args.server);
    const u = await ctx.desktop.updateUser(server.id, {
      username: args.username,
      password: await password(ctx, flags['password-stdin']),
    });
    return {
      data: u,
      human: () => ctx.messages.t('results.passwordChanged', { user: u.username }),
    };
  },
});

function accessCommand(action: 'grant' | 'revoke') {
  return defineCommand({
    path: ['users', action],
    args: [{ name: 'server' }, { name: 'username' }, { name: 'project' }],
    flags: {},
    help: action === 'grant' ? 'help.usersGrant' : 'help.usersRevoke',
    async run(ctx, { args }) {
      const server = await connectedServer(ctx, args.server);
      const project = await resolveProject(ctx, server.id, args.project);
      const u =
        action === 'grant'
          ? await ctx.desktop.grantProject(server.id, args.username, project.id)
          : await ctx.desktop.revokeProject(server.id, args.username, project.id);
      return {
        data: u,
        human: () =>
          ctx.messages.t(action === 'grant' ? 'results.granted' : 'results.revoked', {
            user: args.username,
            project: project.name,
          }),
      };
    },
  });
}

const usersDelete = defineCommand({
  path: ['users', 'delete'],
  args: [{ name: 'server' }, { name: 'username' }],
  flags: {},
  help: 'help.usersDelete',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    await ctx.desktop.deleteUser(server.id, args.username);
    return {
      data: { ok: true },
      human: () => ctx.messages.t('results.userDeleted', { user: args.username }),
    };
  },
});

export const userCommands = [
  usersList,
  usersCreate,
  usersPasswd,
  accessCommand('grant'),
  accessCommand('revoke'),
  usersDelete,
];
