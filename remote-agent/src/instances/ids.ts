import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const INSTANCE_ID_LENGTH = 10;

/**
 * 10 characters of [a-z0-9] (~51 bits): short enough for compose project names (`ub_<id>`) and
 * paths, and drawn without modulo bias so every id is equally likely.
 */
export function newInstanceId(random: (n: number) => Buffer = randomBytes): string {
  const limit = 256 - (256 % ALPHABET.length);
  let id = '';
  while (id.length < INSTANCE_ID_LENGTH) {
    for (const byte of random(INSTANCE_ID_LENGTH * 2)) {
      if (byte < limit) id += ALPHABET[byte % ALPHABET.length];
      if (id.length === INSTANCE_ID_LENGTH) break;
    }
  }
  return id;
}
