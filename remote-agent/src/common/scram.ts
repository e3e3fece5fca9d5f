import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677) as Postgres speaks it, on node:crypto alone so the agent
 * bundle needs no driver. Postgres takes the user from the startup message and ignores the
 * SCRAM user name, so `n=` stays empty there; the arithmetic is the same either way.
 */
export interface ScramClient {
  /** client-first-message, gs2 header included (sent in SASLInitialResponse). */
  first: string;
  /** Given server-first-message: the client-final-message, with the proof. */
  final(serverFirst: string): Promise<string>;
  /** Throws unless the server-final-message proves the server knew the password too. */
  verify(serverFinal: string): void;
}

export class ScramError extends Error {}

export function scramClient(
  password: string,
  options: { nonce?: string; user?: string } = {},
): ScramClient {
  const nonce = options.nonce ?? randomBytes(18).toString('base64');
  const firstBare = `n=${options.user ?? ''},r=${nonce}`;
  let serverSignature: Buffer | undefined;

  return {
    first: `n,,${firstBare}`,
    async final(serverFirst) {
      const attrs = parseAttributes(serverFirst);
      const combined = attrs.get('r');
      const salt = attrs.get('s');
      const iterations = Number(attrs.get('i'));
      if (!combined?.startsWith(nonce) || combined.length === nonce.length) {
        throw new ScramError('the server answered with a nonce that does not extend ours');
      }
      if (!salt || !Number.isInteger(iterations) || iterations < 1) {
        throw new ScramError('the server sent no salt or iteration count');
      }
      const salted = await pbkdf2Async(password, Buffer.from(salt, 'base64'), iterations);
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${combined}`;
      const authMessage = `${firstBare},${serverFirst},${withoutProof}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.alloc(clientKey.length);
      for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
      serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
      return `${withoutProof},p=${proof.toString('base64')}`;
    },
    verify(serverFinal) {
      const attrs = parseAttributes(serverFinal);
      if (attrs.has('e')) throw new ScramError(`the server refused: ${attrs.get('e')}`);
      const given = Buffer.from(attrs.get('v') ?? '', 'base64');
      if (!serverSignature || given.length !== serverSignature.length) {
        throw new ScramError('the server signature is missing');
      }
      if (!timingSafeEqual(given, serverSignature)) {
        throw new ScramError('the server signature does not match: not the real server');
      }
    },
  };
}

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function pbkdf2Async(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(password.normalize('NFKC'), salt, iterations, 32, 'sha256', (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}
