import type { ServerInput, ServerView, SshAuthMethod } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { normalizeFingerprint } from '../../core/ssh/fingerprint';
import { defineCommand, type CommandContext } from '../command-table';
import { LocalisedError } from '../localised-error';
import { serversTable } from '../output';
import { resolveServer } from './lookup';

const serversAdd = defineCommand({
  path: ['servers', 'add'],
  args: [{ name: 'name' }],
  flags: {
    host: { type: 'string', placeholder: 'host', required: true },
    port: { type: 'number', placeholder: 'port' },
    user: { type: 'string', placeholder: 'user' },
    key: { type: 'string', placeholder: 'file' },
    'ssh-agent': { type: 'boolean' },
    password: { type: 'boolean' },
    jump: { type: 'string', placeholder: 'server' },
    'agent-user': { type: 'string', placeholder: 'user' },
    'ssh-password-stdin': { type: 'boolean' },
    'key-passphrase-stdin': { type: 'boolean' },
    'agent-password-stdin': { type: 'boolean' },
    // A staff member's own restricted login (docs/staff-accounts.md): no bootstrap, no tunnels.
    staff: { type: 'boolean' },
  },
  help: 'help.serversAdd',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const auth: SshAuthMethod = flags.key
      ? 'key'
      : flags.password || flags['ssh-password-stdin']
        ? 'password'
        : 'agent';
    const input: ServerInput = { name: args.name, host: flags.host, auth };
    if (flags.port !== undefined) input.port = flags.port;
    if (flags.user) input.username = flags.user;
    if (flags.key) input.keyPath = flags.key;
    if (flags['agent-user']) input.agentUsername = flags['agent-user'];
    if (flags.staff) input.access = 'staff';
    if (flags.jump) input.jumpServerId = (await resolveServer(ctx.desktop, flags.jump)).id;
    // Read in the documented order: SSH password, key passphrase, agent password.
    const secrets: NonNullable<ServerInput['secrets']> = {};
    const sshPassword = flags['ssh-password-stdin']
      ? await ctx.secrets.fromStdin({ key: 'secrets.sshPassword' })
      : auth === 'password' && ctx.secrets.interactive
        ? await ctx.secrets.prompt({ key: 'secrets.sshPassword' }, '--ssh-password-stdin')
        : undefined;
    if (sshPassword) secrets.sshPassword = sshPassword;
    if (flags['key-passphrase-stdin'])
      secrets.keyPassphrase = await ctx.secrets.fromStdin({ key: 'secrets.keyPassphrase' });
    const agentQuestion = {
      key: 'secrets.agentPassword',
      values: { user: flags['agent-user'] ?? 'admin' },
    } as const;
    const agentPassword = flags['agent-password-stdin']
      ? await ctx.secrets.fromStdin(agentQuestion)
      : ctx.secrets.interactive && !ctx.json
        ? await ctx.secrets.prompt(agentQuestion, '--agent-password-stdin')
        : undefined;
    if (agentPassword) secrets.agentPassword = agentPassword;
    if (Object.keys(secrets).length > 0) input.secrets = secrets;
    const server = await ctx.desktop.addServer(input);
    return {
      data: server,
      human: () => t('results.serverAdded', { name: server.name, id: server.id }),
    };
  },
});

const serversList = defineCommand({
  path: ['servers', 'list'],
  args: [],
  flags: {},
  help: 'help.serversList',
  async run(ctx) {
    const servers = await ctx.desktop.listServers();
    return { data: servers, human: () => serversTable(servers, ctx.messages.t) };
  },
});

const serversRemove = defineCommand({
  path: ['servers', 'remove'],
  args: [{ name: 'name' }],
  flags: {},
  help: 'help.serversRemove',
  async run(ctx, { args }) {
    const server = await resolveServer(ctx.desktop, args.name);
    await ctx.desktop.removeServer(server.id);
    return {
      data: { ok: true, removed: server.id },
      human: () => ctx.messages.t('results.serverRemoved', { name: server.name }),
    };
  },
});

const serversImport = defineCommand({
  path: ['servers', 'import-ssh-config'],
  args: [{ name: 'file', optional: true }],
  flags: {},
  help: 'help.serversImport',
  async run(ctx, { args }) {
    const hosts = await ctx.desktop.readSshConfig(args.file);
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
    const { t } = ctx.messages;
    return {
      data: { added, skipped },
      human: () =>
        [
          t('results.imported', { count: added.length }),
          ...added.map((s) =>
            t('results.importedLine', {
              name: s.name,
              user: s.username,
              host: s.host,
              port: s.port,
            }),
          ),
          ...(skipped.length ? [t('results.skipped', { names: skipped.join(', ') })] : []),
        ].join('\n'),
    };
  },
});

const serversTrust = defineCommand({
  path: ['servers', 'trust'],
  args: [{ name: 'name' }],
  flags: {
    fingerprint: { type: 'string', placeholder: 'SHA256:…' },
    'replace-pinned-key': { type: 'boolean' },
  },
  help: 'help.serversTrust',
  async run(ctx, { args, flags }) {
    const { t } = ctx.messages;
    const server = await resolveServer(ctx.desktop, args.name);
    const given = flags.fingerprint ? normalizeFingerprint(flags.fingerprint) : undefined;
    const pinned = server.hostKey?.fingerprint;
    const replace = flags['replace-pinned-key'];
    // A fingerprint on the command line pins a first key; it never replaces one (finding 21).
    if (given && pinned && !replace) {
      if (given === pinned)
        return { data: server, human: () => t('trust.alreadyTrusted', { name: server.name }) };
      throw new LocalisedError(
        'HOST_KEY_CHANGED',
        'trust.pinExists',
        { name: server.name, old: pinned },
        { serverId: server.id, expected: pinned, actual: given },
      );
    }
    if (given && !pinned) return trust(ctx, server, given);

    const refusal = await hostKeyRefusal(ctx, server);
    if (!refusal) {
      return {
        data: server,
        human: () =>
          replace && pinned
            ? t('trust.nothingChanged', { name: server.name, fingerprint: pinned })
            : t('trust.alreadyTrusted', { name: server.name }),
      };
    }
    const data = refusal.data ?? {};
    const presented = String(data.actual ?? data.fingerprint ?? '');
    if (refusal.code === 'HOST_KEY_UNKNOWN') {
      if (given) return trust(ctx, server, given);
      ctx.io.stderr.write(
        `${ctx.messages.describeError(refusal.toJSON())}\n\n${t('trust.presented', {
          algorithm: String(data.algorithm ?? ''),
          fingerprint: presented,
        })}\n\n`,
      );
      if (!(await ctx.secrets.confirm(t('trust.question')))) {
        if (ctx.secrets.interactive)
          throw new LocalisedError(refusal.code, 'trust.notTrusted', {}, refusal.data);
        throw new LocalisedError(
          refusal.code,
          'trust.noTerminal',
          { message: refusal.message },
          refusal.data,
        );
      }
      return trust(ctx, server, presented);
    }
    return replacePinnedKey(ctx, server, refusal, replace, given);
  },
});

/** Tries to connect; the host-key refusal about this very server, if that is what happened. */
async function hostKeyRefusal(
  ctx: CommandContext,
  server: ServerView,
): Promise<UltrabaseError | undefined> {
  try {
    await ctx.desktop.connectServer(server.id);
    return undefined;
  } catch (err) {
    const e = err as UltrabaseError;
    const aboutThisServer = !e.data?.serverId || e.data.serverId === server.id;
    if ((e.code === 'HOST_KEY_UNKNOWN' || e.code === 'HOST_KEY_CHANGED') && aboutThisServer)
      return e;
    throw err;
  }
}

/**
 * A changed key is the one case where trusting can hand the connection to an attacker, so it
 * takes more than first use: the distinct `--replace-pinned-key`, both fingerprints shown, and
 * the server's name typed out (or, without a terminal, the new fingerprint given explicitly).
 */
async function replacePinnedKey(
  ctx: CommandContext,
  server: ServerView,
  refusal: UltrabaseError,
  replace: boolean,
  given: string | undefined,
) {
  const { t } = ctx.messages;
  const data = refusal.data ?? {};
  const old = String(data.expected ?? server.hostKey?.fingerprint ?? '');
  const presented = String(data.actual ?? '');
  if (!replace)
    throw new LocalisedError(
      'HOST_KEY_CHANGED',
      'trust.refusedChanged',
      { name: server.name, old, new: presented },
      refusal.data,
    );
  ctx.io.stderr.write(
    [
      t('trust.changedWarning', { name: server.name }),
      '',
      t('trust.oldKey', { fingerprint: old }),
      t('trust.newKey', { fingerprint: presented }),
      '',
      '',
    ].join('\n'),
  );
  if (ctx.secrets.interactive) {
    const typed = await ctx.secrets.typed(t('trust.typeToConfirm', { name: server.name }));
    if (typed !== server.name)
      throw new LocalisedError('CANCELLED', 'trust.confirmMismatch', {}, refusal.data);
  } else if (!given) {
    throw new LocalisedError('HOST_KEY_CHANGED', 'trust.replaceNeedsTerminal', {}, refusal.data);
  }
  // trustHostKey pins only what the server presents now, so a given fingerprint is checked too.
  const trusted = await ctx.desktop.trustHostKey(server.id, given ?? presented);
  return {
    data: trusted,
    human: () =>
      t('trust.replaced', {
        name: server.name,
        old,
        new: trusted.hostKey?.fingerprint ?? presented,
      }),
  };
}

async function trust(ctx: CommandContext, server: ServerView, fingerprint: string) {
  const trusted = await ctx.desktop.trustHostKey(server.id, fingerprint);
  return {
    data: trusted,
    human: () =>
      ctx.messages.t('trust.trusted', {
        name: trusted.name,
        fingerprint: trusted.hostKey?.fingerprint ?? fingerprint,
      }),
  };
}

export const serverCommands = [serversAdd, serversList, serversRemove, serversImport, serversTrust];
