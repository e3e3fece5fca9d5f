import { createHash } from 'node:crypto';

/**
 * The fingerprint OpenSSH prints (`ssh-keygen -lf`, the TOFU prompt): 'SHA256:' + base64 of the
 * SHA-256 of the raw public key blob, without '=' padding. People compare these by eye, so the
 * format must match byte for byte.
 */
export function fingerprintOf(keyBlob: Buffer): string {
  const digest = createHash('sha256').update(keyBlob).digest('base64');
  return 'SHA256:' + digest.replace(/=+$/, '');
}

/** The key type at the start of an SSH public key blob (a uint32 length then the name). */
export function keyAlgorithmOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len <= 0 || len > 64 || keyBlob.length < 4 + len) return 'unknown';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** Accepts what people paste: with or without the 'SHA256:' prefix and padding. */
export function normalizeFingerprint(input: string): string {
  const trimmed = input.trim().replace(/=+$/, '');
  return trimmed.startsWith('SHA256:') ? trimmed : 'SHA256:' + trimmed;
}
