import { GLOBAL_FLAGS, type AnyCommand, type FlagSpec, type GenericParsed } from './command-table';
import { UsageError } from './usage-error';

export type CommandLine =
  | { kind: 'help'; command?: AnyCommand }
  | { kind: 'run'; command: AnyCommand; parsed: GenericParsed };

/** Words that name a secret: such a flag must never carry a value (shell history, `ps`). */
const SECRET_WORD = /(^|-)(password|passwd|passphrase|secret|token|api-?key|private-key)(-|$)/;

export function looksSecret(flag: string): boolean {
  return SECRET_WORD.test(flag) && !flag.endsWith('-stdin');
}

/** Did the person ask for JSON? Known before parsing succeeds, so usage errors honour it too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Finds the command (its path is the leading words, after any global flags) and parses the rest
 * against its declared arguments and flags. Anything not declared is refused, never ignored.
 */
export function parseCommandLine(
  argv: readonly string[],
  table: readonly AnyCommand[],
): CommandLine {
  const words: string[] = [];
  let start = 0;
  let help = false;
  for (; start < argv.length; start++) {
    const token = argv[start]!;
    if (token === '--help') help = true;
    else if (token === '--json') continue;
    else if (token.startsWith('-')) break;
    else words.push(token);
  }
  const command = findCommand(words, table);
  if (!command) {
    if (help && words.length === 0) return { kind: 'help' };
    if (words.length === 0) throw new UsageError('NO_COMMAND', 'usageErrors.noCommand');
    const known = table.some((c) => c.path[0] === words[0]);
    throw new UsageError('UNKNOWN_COMMAND', 'usageErrors.unknownCommand', {
      command: words.slice(0, known ? 2 : 1).join(' '),
    });
  }
  const rest = [...words.slice(command.path.length), ...argv.slice(start)];
  if (help || rest.includes('--help')) return { kind: 'help', command };
  try {
    return { kind: 'run', command, parsed: parseFor(command, rest) };
  } catch (err) {
    if (err instanceof UsageError) err.command = command;
    throw err;
  }
}

function findCommand(
  words: readonly string[],
  table: readonly AnyCommand[],
): AnyCommand | undefined {
  let best: AnyCommand | undefined;
  for (const c of table) {
    const matches = c.path.every((part, i) => words[i] === part);
    if (matches && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}

function parseFor(command: AnyCommand, tokens: readonly string[]): GenericParsed {
  const name = command.path.join(' ');
  const flags: GenericParsed['flags'] = {};
  const positional: string[] = [];
  const specs: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...command.flags };
  let afterSecretSwitch = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') {
      positional.push(...tokens.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      // `--password hunter2`: the word after a secret switch is most likely the secret.
      if (afterSecretSwitch) throw secretRefused(command, tokens[i - 1]!.slice(2));
      positional.push(token);
      continue;
    }
    afterSecretSwitch = false;
    const { flag, inline } = splitFlag(token, specs);
    const spec = specs[flag];
    if (!spec) {
      if (looksSecret(flag)) throw secretRefused(command, flag);
      throw new UsageError('UNKNOWN_FLAG', 'usageErrors.unknownFlag', { flag, command: name });
    }
    if (flags[flag] !== undefined)
      throw new UsageError('FLAG_REPEATED', 'usageErrors.flagRepeated', { flag });
    if (spec.type === 'boolean') {
      if (inline !== undefined) {
        if (looksSecret(flag)) throw secretRefused(command, flag);
        throw new UsageError('FLAG_TAKES_NO_VALUE', 'usageErrors.flagTakesNoValue', { flag });
      }
      flags[flag] = true;
      afterSecretSwitch = looksSecret(flag);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new UsageError('FLAG_NEEDS_VALUE', 'usageErrors.flagNeedsValue', { flag });
      value = next;
      i++;
    }
    flags[flag] = checkValue(flag, spec, value);
  }
  for (const [flag, spec] of Object.entries(command.flags)) {
    if (spec.type === 'boolean') flags[flag] ??= false;
    else if (spec.type === 'string' && spec.required && flags[flag] === undefined)
      throw new UsageError('MISSING_ARGUMENT', 'usageErrors.flagRequired', { flag });
  }
  flags.json ??= false;
  const args: GenericParsed['args'] = {};
  command.args.forEach((arg, index) => {
    const value = positional[index];
    if (value === undefined && !arg.optional)
      throw new UsageError('MISSING_ARGUMENT', 'usageErrors.missingArgument', { name: arg.name });
    args[arg.name] = value;
  });
  if (command.args[command.args.length - 1]?.variadic) {
    return { args, flags, rest: positional.slice(command.args.length - 1) };
  }
  const extra = positional[command.args.length];
  if (extra !== undefined)
    throw new UsageError('UNEXPECTED_ARGUMENT', 'usageErrors.unexpectedArgument', { value: extra });
  return { args, flags };
}

function splitFlag(
  token: string,
  specs: Record<string, FlagSpec>,
): { flag: string; inline: string | undefined } {
  if (!token.startsWith('--')) {
    const short = token.slice(1);
    const long = Object.entries(specs).find(
      ([, spec]) => spec.type === 'boolean' && spec.short === short,
    );
    return { flag: long ? long[0] : short, inline: undefined };
  }
  const eq = token.indexOf('=');
  return eq === -1
    ? { flag: token.slice(2), inline: undefined }
    : { flag: token.slice(2, eq), inline: token.slice(eq + 1) };
}

function checkValue(flag: string, spec: FlagSpec, value: string): string | number {
  if (spec.type === 'number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 0)
      throw new UsageError('INVALID_FLAG_VALUE', 'usageErrors.notAWholeNumber', { flag });
    return n;
  }
  if (spec.type === 'choice' && !spec.choices.includes(value))
    throw new UsageError('INVALID_FLAG_VALUE', 'usageErrors.notOneOf', {
      flag,
      choices: spec.choices.join(', '),
    });
  return value;
}

/** Points to the command's own `--…-stdin` flag for that secret when there is one. */
function secretRefused(command: AnyCommand, flag: string): UsageError {
  const word = flag.replace(/^(ssh|agent|key|user)-/, '');
  const stdinFlags = Object.keys(command.flags).filter(
    (f) => f === `${flag}-stdin` || (f.endsWith('-stdin') && f.includes(word)),
  );
  const exact = stdinFlags.find((f) => f === `${flag}-stdin`);
  const chosen = exact ? [exact] : stdinFlags;
  return new UsageError(
    'SECRET_IN_FLAG',
    'usageErrors.secretFlag',
    { flag },
    chosen.length > 0
      ? {
          name: 'how',
          key: 'usageErrors.secretHowStdin',
          values: { flag: chosen.map((f) => `--${f}`).join(' / ') },
        }
      : { name: 'how', key: 'usageErrors.secretHowPrompt' },
  );
}
