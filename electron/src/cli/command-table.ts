import type { Desktop } from '../core/desktop';
import type { CliIo } from './cli-io';
import type { MessageKey, Messages } from './i18n';
import type { SecretInput } from './secrets-input';

/** How a flag is written: a switch, a value (`--host H`, `--host=H`), a whole number or a choice. */
export type FlagSpec =
  | { type: 'boolean'; short?: string }
  | { type: 'string'; placeholder: string; required?: boolean }
  | { type: 'number'; placeholder: string }
  | { type: 'choice'; choices: readonly string[] };

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface ArgSpec {
  readonly name: string;
  readonly optional?: boolean;
  /** The last argument only: it takes every remaining word (`Parsed.rest` holds them all). */
  readonly variadic?: boolean;
}

type FlagValue<S extends FlagSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { required: true }
    ? string
    : S extends { type: 'number' }
      ? number | undefined
      : S extends { type: 'choice'; choices: readonly (infer C)[] }
        ? C | undefined
        : string | undefined;

/** What a handler receives: positional arguments by name and flags by name, already checked. */
export interface Parsed<A extends readonly ArgSpec[], F extends FlagSpecs> {
  args: { [K in A[number] as K['name']]: K['optional'] extends true ? string | undefined : string };
  flags: { [K in keyof F]: FlagValue<F[K]> };
  /** Every word a variadic last argument took, in order. */
  rest?: readonly string[];
}

export interface CommandContext {
  desktop: Desktop;
  home: string;
  io: CliIo;
  json: boolean;
  messages: Messages;
  secrets: SecretInput;
  /** Lines for people on stderr, only on a terminal and never with --json. */
  note(line: string): void;
  /** Aborts on Ctrl-C, for commands marked `interruptible`. */
  signal: AbortSignal;
}

/**
 * What a command gives back; the runner prints it. `data` is what `--json` prints (nothing when
 * undefined, e.g. a log stream already written line by line); `human` renders it for people.
 */
export interface CommandResult {
  data?: unknown;
  human?: () => string;
  exitCode?: number;
}

export interface Command<
  A extends readonly ArgSpec[] = readonly ArgSpec[],
  F extends FlagSpecs = FlagSpecs,
> {
  readonly path: readonly string[];
  readonly args: A;
  readonly flags: F;
  readonly help: MessageKey;
  /** Ctrl-C aborts `ctx.signal` instead of ending the process. */
  readonly interruptible?: boolean;
  run(ctx: CommandContext, parsed: Parsed<A, F>): Promise<CommandResult>;
}

/** A command with its types erased, as the table holds it. */
export interface AnyCommand {
  readonly path: readonly string[];
  readonly args: readonly ArgSpec[];
  readonly flags: FlagSpecs;
  readonly help: MessageKey;
  readonly interruptible?: boolean;
  run(ctx: CommandContext, parsed: GenericParsed): Promise<CommandResult>;
}

export interface GenericParsed {
  args: Record<string, string | undefined>;
  flags: Record<string, string | number | boolean | undefined>;
  rest?: readonly string[];
}

export function defineCommand<const A extends readonly ArgSpec[], const F extends FlagSpecs>(
  command: Command<A, F>,
): AnyCommand {
  return command as unknown as AnyCommand;
}

/** Flags every command takes; the runner handles them. */
export const GLOBAL_FLAGS = {
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const satisfies FlagSpecs;
