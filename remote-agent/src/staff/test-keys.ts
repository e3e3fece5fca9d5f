import { generateKeyPairSync } from 'node:crypto';

/** OpenSSH public key lines made at run time, for tests (no key material in the source). */
function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** An mpint: big-endian, with a 0 byte in front when the top bit is set. */
function mpint(bytes: Buffer): Buffer {
  return sshString(bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

export function blobLine(type: string, parts: Buffer[], comment = 'test@laptop'): string {
  const blob = Buffer.concat([sshString(type), ...parts]);
  return `${type} ${blob.toString('base64')}${comment ? ' ' + comment : ''}`;
}

export function ed25519Line(comment?: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return blobLine('ssh-ed25519', [sshString(raw)], comment);
}

export function rsaLine(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = publicKey.export({ format: 'jwk' });
  const e = Buffer.from(jwk.e!, 'base64url');
  const n = Buffer.from(jwk.n!, 'base64url');
  return blobLine('ssh-rsa', [mpint(e), mpint(n)]);
}

export function ecdsaLine(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x!, 'base64url'),
    Buffer.from(jwk.y!, 'base64url'),
  ]);
  return blobLine('ecdsa-sha2-nistp256', [sshString('nistp256'), sshString(point)]);
}

export { sshString };
