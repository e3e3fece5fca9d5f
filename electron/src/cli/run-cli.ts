import { toApiError, UltrabaseError } from '@contract/errors';
import type { Desktop } from '../core/desktop';
import type { CliIo } from './cli-io';
import type { AnyCommand, CommandContext, CommandResult } from './command-table';
import { COMMANDS } from './commands';
import { createMessages, languageFromEnv, type Messages } from './i18n';
import { LocalisedError } from './localised-error';
import { parseCommandLine, wantsJson } from './parse';
import { SecretInput } from './secrets-input';
import { commandHelp, usageText } from './usage';
import { describeUsageError, UsageError } from './usage-error';

/** 0 done, 1 failed (an error with a code), 2 the command line itself was wrong, 130 Ctrl-C. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 } as const;

export interface CliDeps {
  io: CliIo;
  home: string;
  /** Made only once a command is about to run: help and usage errors touch no settings. */
  createDesktop(): Desktop;
  commands?: readonly AnyCommand[];
}

const english = createMessages('en');

/** Runs one command line; resolves with the exit code. Never touches `process`. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  const table = deps.commands ?? COMMANDS;
  const messages = createMessages(languageFromEnv(io.env));
  const json = wantsJson(argv);
  let line;
  try {
    line = parseCommandLine(argv, table);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const help = err.command ? commandHelp(err.command, messages.t) : usageText(table, messages.t);
    reportUsageError(err, io, messages, json, help);
    return ExitCode.USAGE;
  }
  if (line.kind === 'help') {
    io.stdout.write(
      (line.command ? commandHelp(line.command, messages.t) : usageText(table, messages.t)) + '\n',
    );
    return ExitCode.OK;
  }
  const { command, parsed } = line;
  const desktop = deps.createDesktop();
  const interrupt = new AbortController();
  const stopListening = command.interruptible ? io.onInterrupt(() => interrupt.abort()) : () => {};
  const ctx: CommandContext = {
    desktop,
    home: deps.home,
    io,
    json,
    messages,
    secrets: new SecretInput(io.stdin, io.stderr, messages.t),
    note: (text) => {
      if (io.stderr.isTTY && !json) io.stderr.write(text + '\n');
    },
    signal: interrupt.signal,
  };
  try {
    const result = await command.run(ctx, parsed);
    printResult(result, io, json);
    return result.exitCode ?? ExitCode.OK;
  } catch (err) {
    if (err instanceof UsageError) {
      reportUsageError(err, io, messages, json, commandHelp(command, messages.t));
      return ExitCode.USAGE;
    }
    reportError(err, io, messages, json);
    return ExitCode.FAILED;
  } finally {
    stopListening();
    await desktop.close();
  }
}

function printResult(result: CommandResult, io: CliIo, json: boolean): void {
  if (json || !result.human) {
    if (result.data !== undefined) io.stdout.write(JSON.stringify(result.data, null, 2) + '\n');
    return;
  }
  const text = result.human();
  if (text) io.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function reportUsageError(
  err: UsageError,
  io: CliIo,
  messages: Messages,
  json: boolean,
  help: string,
): void {
  if (json) {
    const error = { code: err.code, message: describeUsageError(err, english.t) };
    io.stdout.write(JSON.stringify({ error }, null, 2) + '\n');
  }
  io.stderr.write(`${describeUsageError(err, messages.t)}\n\n${help}\n`);
}

/** `--json` gets the error as the core or agent gave it; people get it in their language. */
function reportError(err: unknown, io: CliIo, messages: Messages, json: boolean): void {
  // The same shaping as the preload and IPC: code, message and data only, never a stack.
  const shape = toApiError(err, { trusted: () => err instanceof UltrabaseError });
  if (json) io.stdout.write(JSON.stringify({ error: shape }, null, 2) + '\n');
  const sentence =
    err instanceof LocalisedError ? messages.t(err.key, err.values) : messages.describeError(shape);
  io.stderr.write(messages.t('errorPrefix', { code: shape.code, message: sentence }) + '\n');
}
