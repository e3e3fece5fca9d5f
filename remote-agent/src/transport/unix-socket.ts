import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

export interface SocketServer {
  close(): Promise<void>;
}

/**
 * The agent's only way in. Mode 0660: the owner and the group the operator chose (`gid`,
 * config `socketGroup`) may connect (SSH gets a person to the host; the agent's own login
 * decides what they may do). The umask is tightened around `listen` so the socket never
 * exists, even briefly, with wider rights; the group is set right after, before any accept
 * could matter to a group member.
 */
export async function listenOnUnixSocket(
  socketPath: string,
  onConnection: (socket: net.Socket) => void,
  options: { gid?: number } = {},
): Promise<SocketServer> {
  const created = await fs.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o750 });
  await removeStaleSocket(socketPath);
  // Tracked so that closing ends them too: net.Server#close waits for every open connection,
  // and a desktop that stays connected would otherwise hold the agent's shutdown forever.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  const previous = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  await fs.chmod(socketPath, 0o660);
  if (options.gid !== undefined) {
    // Members of the group connect; a directory this agent made must let them reach the socket.
    await fs.chown(socketPath, -1, options.gid);
    if (created !== undefined) await fs.chown(path.dirname(socketPath), -1, options.gid);
  }
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        fs.rm(socketPath, { force: true }).catch(() => undefined);
      }),
  };
}

/** A socket file left by a killed agent is removed; a live one means another agent runs. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  try {
    await fs.lstat(socketPath);
  } catch {
    return;
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) {
    throw new AgentError(
      ErrorCode.DATA_DIR_LOCKED,
      `Another agent is already listening on ${socketPath}; stop it or use another --socket.`,
      { socket: socketPath },
    );
  }
  await fs.rm(socketPath, { force: true });
}
