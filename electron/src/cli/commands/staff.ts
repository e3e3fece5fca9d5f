import { UltrabaseError } from '@contract/errors';
import type { StaffMember } from '@contract/api';
import { readRegularFile, type FileReadRefused } from '../../core/files/read-regular-file';
import { defineCommand } from '../command-table';
import type { Translate } from '../i18n';
import { table } from '../output';
import { connectedServer } from './lookup';

/** One OpenSSH public key line is under 1 KiB even for RSA 8192; the agent caps it too. */
const MAX_PUBLIC_KEY_BYTES = 16 * 1024;

async function readPublicKey(file: string): Promise<string> {
  try {
    return (await readRegularFile(file, MAX_PUBLIC_KEY_BYTES)).toString('utf8').trim();
  } catch (err) {
    const refused = err as FileReadRefused;
    throw new UltrabaseError('INVALID_PUBLIC_KEY', `The public key file: ${refused.message}`, {
      field: 'publicKey',
      reason: refused.reason,
    });
  }
}

export function staffTable(staff: StaffMember[], t: Translate): string {
  return table(
    [t('headers.user'), t('headers.uid'), t('headers.key'), t('headers.agentUser')],
    staff.map((m) => [
      m.username,
      String(m.uid),
      `${m.keyType} ${m.keyFingerprint}`,
      m.agentUser ? t('results.yes') : t('results.staffAgentUserGone'),
    ]),
  );
}

const staffList = defineCommand({
  path: ['staff', 'list'],
  args: [{ name: 'server' }],
  flags: {},
  help: 'help.staffList',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    const staff = await ctx.desktop.listStaff(server.id);
    return { data: staff, human: () => staffTable(staff, ctx.messages.t) };
  },
});

const staffAdd = defineCommand({
  path: ['staff', 'add'],
  args: [{ name: 'server' }],
  flags: {
    username: { type: 'string', placeholder: 'name', required: true },
    role: { type: 'choice', choices: ['admin', 'user'] },
    'public-key-file': { type: 'string', placeholder: 'file', required: true },
    'password-stdin': { type: 'boolean' },
  },
  help: 'help.staffAdd',
  async run(ctx, { args, flags }) {
    // The file first: a wrong path should not cost the person typing a password.
    const publicKey = await readPublicKey(flags['public-key-file']);
    const password = flags['password-stdin']
      ? await ctx.secrets.fromStdin({ key: 'secrets.stdinPassword' })
      : await ctx.secrets.prompt(
          { key: 'secrets.staffPassword', values: { user: flags.username } },
          '--password-stdin',
        );
    const server = await connectedServer(ctx, args.server);
    const added = await ctx.desktop.addStaff(server.id, {
      username: flags.username,
      password,
      role: flags.role ?? 'user',
      publicKey,
    });
    return {
      data: added,
      human: () =>
        ctx.messages.t('results.staffAdded', {
          user: added.member.username,
          role: added.user.role,
          fingerprint: added.member.keyFingerprint,
          server: server.name,
        }),
    };
  },
});

const staffRemove = defineCommand({
  path: ['staff', 'remove'],
  args: [{ name: 'server' }, { name: 'username' }],
  flags: {},
  help: 'help.staffRemove',
  async run(ctx, { args }) {
    const server = await connectedServer(ctx, args.server);
    await ctx.desktop.removeStaff(server.id, args.username);
    return {
      data: { ok: true },
      human: () => ctx.messages.t('results.staffRemoved', { user: args.username }),
    };
  },
});

export const staffCommands = [staffList, staffAdd, staffRemove];
