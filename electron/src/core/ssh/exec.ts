import type { Client, ClientChannel } from 'ssh2';
import { UltrabaseError } from '../../contract/errors';

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export function openExec(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
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
    let code: number | null = null;
    let signal: string | undefined;
    const timer = setTimeout(() => {
      channel.close();
      reject(new UltrabaseError('TIMEOUT', 'A command on the server did not finish in time.'));
    }, options.timeoutMs ?? 120_000);
    channel.on('data', (d: Buffer) => out.push(d));
    channel.stderr.on('data', (d: Buffer) => err.push(d));
    channel.on('exit', (c: number | null, s?: string) => {
      code = c;
      if (s) signal = s;
    });
    channel.on('close', () => {
      clearTimeout(timer);
      const result: ExecResult = {
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (signal) result.signal = signal;
      resolve(result);
    });
    if (options.stdin !== undefined) channel.end(options.stdin);
    else channel.end();
  });
}
