/**
 * SSH exec runs a command line through the remote user's shell; there is no argv form on the
 * wire. Every value we put into such a line goes through this single-quote escaping, so no
 * input (a name, a path) can become shell syntax. `=` is not a plain-word character: a first
 * word `A=B` would be an environment assignment, not a command.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+:,./-]+$/.test(value)) return value;
  return "'" + value.replace(/'/g, `'\\''`) + "'";
}

export function shellCommand(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}
