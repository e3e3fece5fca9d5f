import type { Client, ClientChannel } from 'ssh2';
import { UltrabaseError } from '@contract/errors';

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

const exits = new WeakMap<ClientChannel, { code: number | null; signal?: string }>();

export function openExec(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      // A fast command's exit status can arrive in the same read as the exec reply; ssh2 emits
      // 'exit' synchronously while parsing it, before any promise continuation could listen,
      // and the status was then lost ("exit null" on a command that succeeded).
      channel.once('exit', (code: number | null, signal?: string) =>
        exits.set(channel, signal ? { code, signal } : { code }),
      );
      resolve(channel);
    });
  });
}

/** Runs one remote command line (built with shellCommand) and collects its output. */
export async function execCommand(
  client: Client,
  command: string,
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const channel = await openExec(client, command);
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      channel.close();
      reject(new UltrabaseError('TIMEOUT', 'A command on the server did not finish in time.'));
    }, options.timeoutMs ?? 120_000);
    channel.on('data', (d: Buffer) => out.push(d));
    channel.stderr.on('data', (d: Buffer) => err.push(d));
    channel.on('close', () => {
      clearTimeout(timer);
      const exit = exits.get(channel);
      const result: ExecResult = {
        code: exit?.code ?? null,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (exit?.signal) result.signal = exit.signal;
      resolve(result);
    });
    if (options.stdin !== undefined) channel.end(options.stdin);
    else channel.end();
  });
}
