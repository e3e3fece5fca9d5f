import { createServer, Socket, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authMethods, connectSsh } from './connect';

describe('authMethods', () => {
  it('offers only the method the credentials hold, never a `none` probe', () => {
    expect(authMethods({ kind: 'key', privateKey: Buffer.from('k') })).toEqual(['publickey']);
    expect(authMethods({ kind: 'agent', agentSocket: '/run/agent' })).toEqual(['agent']);
    expect(authMethods({ kind: 'password', password: 'p' })).toEqual([
      'password',
      'keyboard-interactive',
    ]);
  });
});

describe('connectSsh', () => {
  let server: Server | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    server?.close();
  });

  it('turns Nagle off before the TCP connection exists, not once the login is done', async () => {
    // A peer that accepts and hangs up: the handshake never gets far, so a no-delay set only
    // at `ready` (as before) would never be set at all.
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const calls: Array<{ enable: unknown; connected: boolean }> = [];
    const original = Socket.prototype.setNoDelay;
    vi.spyOn(Socket.prototype, 'setNoDelay').mockImplementation(function (
      this: Socket,
      enable?: boolean,
    ) {
      calls.push({ enable, connected: this.readyState === 'open' });
      return original.call(this, enable);
    });
    await expect(
      connectSsh({
        host: '127.0.0.1',
        port,
        username: 'u',
        credentials: { kind: 'password', password: 'p' },
        policy: { knownHosts: [] },
        readyTimeoutMs: 2_000,
      }),
    ).rejects.toBeDefined();
    expect(calls).toEqual([{ enable: true, connected: false }]);
  });
});
