import { describe, expect, it } from 'vitest';
import { defineCommand } from './command-table';
import { COMMANDS } from './commands';
import { createMessages } from './i18n';
import { parseCommandLine, wantsJson } from './parse';
import { commandLine, usageText } from './usage';
import { UsageError } from './usage-error';

const probe = defineCommand({
  path: ['things', 'make'],
  args: [{ name: 'server' }, { name: 'name', optional: true }],
  flags: {
    host: { type: 'string', placeholder: 'host', required: true },
    count: { type: 'number', placeholder: 'n' },
    role: { type: 'choice', choices: ['admin', 'user'] },
    follow: { type: 'boolean', short: 'f' },
    password: { type: 'boolean' },
    'agent-password-stdin': { type: 'boolean' },
  },
  help: 'help.connect',
  run: async () => ({}),
});
const table = [probe, ...COMMANDS];

function parse(argv: string[]) {
  const line = parseCommandLine(argv, table);
  if (line.kind !== 'run') throw new Error('expected a command');
  return line;
}

function refusal(argv: string[]): UsageError {
  try {
    parseCommandLine(argv, table);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('parsing against the command table', () => {
  it('finds the command by its path and hands over named, typed values', () => {
    const { command, parsed } = parse([
      'things',
      'make',
      'web',
      '--host=h',
      '--count',
      '3',
      '--role',
      'user',
      '-f',
    ]);
    expect(command).toBe(probe);
    expect(parsed.args).toEqual({ server: 'web', name: undefined });
    expect(parsed.flags).toEqual({
      host: 'h',
      count: 3,
      role: 'user',
      follow: true,
      password: false,
      'agent-password-stdin': false,
      json: false,
    });
  });

  it('takes the words after -- as arguments, even when they look like flags', () => {
    expect(parse(['things', 'make', '--host', 'h', '--', '--odd']).parsed.args.server).toBe(
      '--odd',
    );
  });

  it('refuses what is not declared, each with its own code', () => {
    expect(refusal(['things', 'make', 'web', '--host', 'h', '--frob']).code).toBe('UNKNOWN_FLAG');
    expect(refusal(['things', 'make', 'web', '--host', 'h', '--follow=yes']).code).toBe(
      'FLAG_TAKES_NO_VALUE',
    );
    expect(refusal(['things', 'make', 'web', '--host']).code).toBe('FLAG_NEEDS_VALUE');
    expect(refusal(['things', 'make', 'web', '--host', 'a', '--host', 'b']).code).toBe(
      'FLAG_REPEATED',
    );
    expect(refusal(['things', 'make', 'web', '--host', 'h', '--count', '2.5']).code).toBe(
      'INVALID_FLAG_VALUE',
    );
    expect(refusal(['things', 'make', 'web', '--host', 'h', '--count', '']).code).toBe(
      'INVALID_FLAG_VALUE',
    );
    expect(refusal(['things', 'make', 'web', '--host', 'h', '--role', 'root']).code).toBe(
      'INVALID_FLAG_VALUE',
    );
    expect(refusal(['things', 'make', 'web']).code).toBe('MISSING_ARGUMENT');
    expect(refusal(['things', 'make', '--host', 'h']).code).toBe('MISSING_ARGUMENT');
    expect(refusal(['things', 'make', 'a', 'b', 'c', '--host', 'h']).code).toBe(
      'UNEXPECTED_ARGUMENT',
    );
    expect(refusal(['things', 'frob']).code).toBe('UNKNOWN_COMMAND');
    expect(refusal([]).code).toBe('NO_COMMAND');
    expect(refusal(['--json']).code).toBe('NO_COMMAND');
  });

  it('refuses a secret given as a flag value and points to the stdin way, never echoing it', () => {
    const cases = [
      ['servers', 'add', 'x', '--host', 'h', '--agent-password', 'hunter2'],
      ['servers', 'add', 'x', '--host', 'h', '--agent-password=hunter2'],
      ['servers', 'add', 'x', '--host', 'h', '--password=hunter2'],
      ['servers', 'add', 'x', '--host', 'h', '--password', 'hunter2'],
      ['servers', 'add', 'x', '--host', 'h', '--key-passphrase', 'hunter2'],
      ['users', 'create', 'web', 'alice', '--password', 'hunter2'],
      ['connect', 'web', '--token=hunter2'],
    ];
    const { t } = createMessages('en');
    for (const argv of cases) {
      const err = refusal(argv);
      expect(err.code, argv.join(' ')).toBe('SECRET_IN_FLAG');
      expect(JSON.stringify(err)).not.toContain('hunter2');
      expect(t(err.key, err.values)).not.toContain('hunter2');
    }
    const agent = refusal(cases[0]!);
    expect(agent.part).toMatchObject({ values: { flag: '--agent-password-stdin' } });
    expect(refusal(cases[5]!).part).toMatchObject({ values: { flag: '--password-stdin' } });
    expect(refusal(cases[6]!).part).toMatchObject({ key: 'usageErrors.secretHowPrompt' });
  });

  it('still accepts the declared secret switches and their stdin forms', () => {
    const { parsed } = parse([
      'servers',
      'add',
      'db',
      '--host',
      'h',
      '--password',
      '--agent-password-stdin',
    ]);
    expect(parsed.flags).toMatchObject({ password: true, 'agent-password-stdin': true });
  });

  it('answers --help for everything or for one command', () => {
    expect(parseCommandLine(['--help'], table)).toEqual({ kind: 'help' });
    expect(parseCommandLine(['projects', 'create', '--help'], table)).toMatchObject({
      kind: 'help',
      command: { path: ['projects', 'create'] },
    });
  });

  it('knows about --json before parsing succeeds, but not after --', () => {
    expect(wantsJson(['servers', 'frob', '--json'])).toBe(true);
    expect(wantsJson(['logs', '--', '--json'])).toBe(false);
  });

  it('generates the usage text from the table: every command, every flag', () => {
    const text = usageText(COMMANDS, createMessages('en').t);
    for (const c of COMMANDS) {
      expect(text).toContain(commandLine(c));
      for (const flag of Object.keys(c.flags)) expect(commandLine(c)).toContain(`--${flag}`);
    }
    expect(commandLine(probe)).toBe(
      'things make <server> [name] --host <host> [--count <n>] [--role admin|user] [--follow] [--password] [--agent-password-stdin]',
    );
  });

  it('has one command per path', () => {
    const paths = COMMANDS.map((c) => c.path.join(' '));
    expect(new Set(paths).size).toBe(paths.length);
  });
});
