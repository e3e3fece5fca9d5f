import type { AnyCommand, FlagSpec } from './command-table';
import type { Translate } from './i18n';

function flagUsage(flag: string, spec: FlagSpec): string {
  switch (spec.type) {
    case 'boolean':
      return `[--${flag}]`;
    case 'string':
      return spec.required
        ? `--${flag} <${spec.placeholder}>`
        : `[--${flag} <${spec.placeholder}>]`;
    case 'number':
      return `[--${flag} <${spec.placeholder}>]`;
    case 'choice':
      return `[--${flag} ${spec.choices.join('|')}]`;
  }
}

/** One command as it is typed: `projects create <server> <name> [--public] …`. */
export function commandLine(command: AnyCommand): string {
  return [
    ...command.path,
    ...command.args.map((a) =>
      a.optional ? `[${a.name}]` : a.variadic ? `<${a.name}>…` : `<${a.name}>`,
    ),
    ...Object.entries(command.flags).map(([flag, spec]) => flagUsage(flag, spec)),
  ].join(' ');
}

/** The whole usage text, generated from the table so it cannot drift from the parser. */
export function usageText(table: readonly AnyCommand[], t: Translate): string {
  return [
    t('usage.title'),
    '',
    ...table.flatMap((c) => [`  ${commandLine(c)}`, `      ${t(c.help)}`]),
    '',
    t('usage.footer'),
  ].join('\n');
}

export function commandHelp(command: AnyCommand, t: Translate): string {
  return [t('usage.commandLine', { line: commandLine(command) }), '', `  ${t(command.help)}`].join(
    '\n',
  );
}
