import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pgQuery } from './pg-client';

const PASSWORD = 'the-instance-postgres-password';

/**
 * A server that speaks just enough of the protocol to ask for a password in the given way
 * (3: cleartext, 5: md5) and records every byte the client sends: a port squatter.
 */
async function squatter(
  kind: 3 | 5,
): Promise<{ server: Server; port: number; received: () => string }> {
  const chunks: Buffer[] = [];
  const server = createServer((socket: Socket) => {
    let askedForPassword = false;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (askedForPassword) return;
      askedForPassword = true;
      const body = Buffer.alloc(kind === 5 ? 8 : 4);
      body.writeUInt32BE(kind, 0);
      if (kind === 5) body.write('salt', 4, 'latin1');
      const head = Buffer.alloc(5);
      head.write('R', 0, 'latin1');
      head.writeUInt32BE(body.length + 4, 1);
      socket.write(Buffer.concat([head, body]));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, received: () => Buffer.concat(chunks).toString('latin1') };
}

let open: Server | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

describe('pgQuery: SCRAM only', () => {
  for (const [kind, name] of [
    [3, 'cleartext'],
    [5, 'md5'],
  ] as const) {
    it(`refuses a server that asks for a ${name} password, and sends none`, async () => {
      const fake = await squatter(kind);
      open = fake.server;
      const target = {
        host: '127.0.0.1',
        port: fake.port,
        user: 'postgres',
        password: PASSWORD,
        database: 'postgres',
      };
      await expect(pgQuery(target, ['SELECT 1'], { timeoutMs: 2000 })).rejects.toThrow(/SCRAM/);
      // Let anything the client might still have sent arrive.
      await new Promise((r) => setTimeout(r, 100));
      expect(fake.received()).toContain('postgres'); // the startup message did arrive
      expect(fake.received()).not.toContain(PASSWORD);
      expect(fake.received()).not.toMatch(/md5[0-9a-f]{32}/);
    });
  }
});
