import net from 'node:net';

/** True when a listener could bind `port` on `host` right now (then closed at once). */
export function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Private instances publish on 127.0.0.1 and public ones on 0.0.0.0, and an instance may switch
 * exposure later: a port counts as free only if both binds succeed.
 */
export async function isPortBindable(port: number): Promise<boolean> {
  return (await canBind(port, '127.0.0.1')) && (await canBind(port, '0.0.0.0'));
}
