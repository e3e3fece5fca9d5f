import type { Client, ClientChannel } from 'ssh2';
import { openExec } from '../ssh/exec';
import { shellCommand } from '../ssh/shell-quote';

export type TunnelKind = 'streamlocal' | 'dial';

function forwardStreamLocal(client: Client, socketPath: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.openssh_forwardOutStreamLocal(socketPath, (err, channel) =>
        err ? reject(err) : resolve(channel),
      );
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * A byte channel to the agent's unix socket. Socket forwarding is the cheap path; servers with
 * `AllowStreamLocalForwarding no` (or DisableForwarding) refuse it, and then `agent.cjs dial`
 * bridges an exec channel's stdio to the socket instead: same bytes, one process more.
 */
export async function openTunnel(
  client: Client,
  target: { socketPath: string; nodePath: string; bundlePath: string },
  prefer: TunnelKind = 'streamlocal',
): Promise<{ channel: ClientChannel; kind: TunnelKind }> {
  if (prefer === 'streamlocal') {
    try {
      return { channel: await forwardStreamLocal(client, target.socketPath), kind: 'streamlocal' };
    } catch {
      // fall through to dial
    }
  }
  const channel = await openExec(
    client,
    shellCommand([target.nodePath, target.bundlePath, 'dial', '--socket', target.socketPath]),
  );
  // The bridge's stderr carries only its own failures; keep it from filling the window.
  channel.stderr.resume();
  return { channel, kind: 'dial' };
}

/**
 * The agent channel of a staff login: its key's forced command runs the agent's `dial` whatever
 * the exec request says, so the request names only `dial` (no paths the account cannot know).
 */
export async function openStaffDial(client: Client): Promise<ClientChannel> {
  const channel = await openExec(client, 'dial');
  channel.stderr.resume();
  return channel;
}

export function forwardTcp(client: Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (err, channel) =>
        err ? reject(err) : resolve(channel),
      );
    } catch (err) {
      reject(err);
    }
  });
}
