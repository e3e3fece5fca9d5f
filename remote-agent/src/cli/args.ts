import { parseArgs } from 'node:util';

export type Command =
  | {
      kind: 'serve';
      dataDir?: string;
      socket?: string;
      config?: string;
      stdio: boolean;
      pidFile?: string;
    }
  | { kind: 'dial'; socket?: string; as?: string }
  | { kind: 'admin-create'; username: string; dataDir?: string; force: boolean }
  | { kind: 'version' }
  | { kind: 'help' };

export class UsageError extends Error {}

export const USAGE = `usage: agent.cjs <command>
  serve [--data-dir D] [--socket S] [--config F] [--pid-file P]   run the daemon on a unix socket
  serve --stdio [--data-dir D] [--config F]                       one session on stdin/stdout
  dial [--socket S]                                               bridge stdin/stdout to the socket
  admin create --username U [--data-dir D] [--force]              create the first admin (password on stdin)
  version                                                         print {"version","protocol"} as JSON
`;

export function parseCommand(argv: string[]): Command {
  const [first, second] = argv;
  const rest = (n: number) => argv.slice(n);
  try {
    switch (first) {
      case 'serve': {
        const { values } = parseArgs({
          args: rest(1),
          options: {
            'data-dir': { type: 'string' },
            socket: { type: 'string' },
            config: { type: 'string' },
            'pid-file': { type: 'string' },
            stdio: { type: 'boolean', default: false },
          },
          strict: true,
          allowPositionals: false,
        });
        if (values.stdio && values.socket)
          throw new UsageError('--stdio and --socket exclude each other');
        return {
          kind: 'serve',
          stdio: values.stdio ?? false,
          ...defined({
            dataDir: values['data-dir'],
            socket: values.socket,
            config: values.config,
            pidFile: values['pid-file'],
          }),
        };
      }
      case 'dial': {
        const { values } = parseArgs({
          args: rest(1),
          // --as: the staff account a forced command was written for (see staff/dial-path.ts).
          options: { socket: { type: 'string' }, as: { type: 'string' } },
          strict: true,
        });
        return { kind: 'dial', ...defined({ socket: values.socket, as: values.as }) };
      }
      case 'admin': {
        if (second !== 'create') throw new UsageError('the only admin command is "admin create"');
        const { values } = parseArgs({
          args: rest(2),
          options: {
            username: { type: 'string' },
            'data-dir': { type: 'string' },
            force: { type: 'boolean', default: false },
          },
          strict: true,
        });
        if (!values.username) throw new UsageError('admin create needs --username');
        return {
          kind: 'admin-create',
          username: values.username,
          force: values.force ?? false,
          ...defined({ dataDir: values['data-dir'] }),
        };
      }
      case 'version':
      case '--version':
        return { kind: 'version' };
      case 'help':
      case '--help':
      case '-h':
        return { kind: 'help' };
      default:
        throw new UsageError(first ? `unknown command "${first}"` : 'no command given');
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // parseArgs' own errors (unknown option, missing value) are usage errors too.
    throw new UsageError((error as Error).message);
  }
}

function defined<T extends Record<string, string | undefined>>(
  values: T,
): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: string;
  };
}
