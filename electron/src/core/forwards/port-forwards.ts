import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ForwardHandle {
  localPort: number;
  close(): Promise<void>;
}

/**
 * A listener on 127.0.0.1 whose every connection becomes a channel to `remotePort` on the
 * server (private instances bind there only). Loopback only: a port forward must not open the
 * instance to the LAN the laptop sits on.
 */
export async function startPortForward(
  open: () => Promise<Duplex>,
  onError?: (err: Error) => void,
  /** Local ports to try first, in order (taken or forbidden ones are skipped); then any. */
  preferredPorts: readonly number[] = [],
): Promise<ForwardHandle> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pause();
    open().then(
      (channel) => {
        socket.pipe(channel).pipe(socket);
        socket.resume();
        channel.on('error', () => socket.destroy());
        socket.on('error', () => channel.destroy());
        channel.on('close', () => socket.destroy());
        socket.on('close', () => channel.destroy());
      },
      (err: Error) => {
        onError?.(err);
        socket.destroy();
      },
    );
  });
  await listenOnFirstFree(server, [...preferredPorts, 0]);
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;
  return {
    localPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function listenOnFirstFree(server: Server, ports: readonly number[]): Promise<void> {
  for (const [i, port] of ports.entries()) {
    const last = i === ports.length - 1;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return;
    } catch (error) {
      // Taken (EADDRINUSE) or privileged (EACCES): the next choice. Anything else is real.
      const code = (error as NodeJS.ErrnoException).code;
      if (last || (code !== 'EADDRINUSE' && code !== 'EACCES')) throw error;
    }
  }
}

/** Rewrites an instance URL (bound to the server's loopback) to go through a local forward. */
export function rewriteUrl(url: string, localPort: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(localPort);
  return u.toString();
}

export function urlPort(url: string): number {
  const u = new URL(url);
  if (u.port) return Number(u.port);
  return u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : 5432;
}
