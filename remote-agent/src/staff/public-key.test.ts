import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePublicKey } from './public-key';
import { blobLine, ecdsaLine, ed25519Line, rsaLine, sshString } from './test-keys';

const codeOf = (text: string): string => {
  try {
    parsePublicKey(text);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('parsePublicKey', () => {
  it('accepts the .pub lines of the usual key types and drops the comment', () => {
    for (const line of [ed25519Line(), rsaLine(2048), ecdsaLine(), ed25519Line('')]) {
      const key = parsePublicKey(line + '\n');
      expect(line.startsWith(`${key.type} ${key.base64}`)).toBe(true);
      const blob = Buffer.from(key.base64, 'base64');
      const expected = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
      expect(key.fingerprint).toBe(`SHA256:${expected}`);
    }
  });

  it('refuses an options prefix, a second line and control characters', () => {
    const good = ed25519Line();
    for (const bad of [
      `command="/bin/sh" ${good}`,
      `no-pty ${good}`,
      `restrict ${good}`,
      `${good}\n${ed25519Line()}`,
      `${good}\r\n`.replace('\r\n', '\rx'),
      `${good} \u0007bell`,
      `${good} comment\u0000`,
      `${good.replace(' ', '  ')}`,
      ` ${good}`,
      '',
      'ssh-ed25519',
    ]) {
      expect(codeOf(bad), JSON.stringify(bad)).toBe('INVALID_PUBLIC_KEY');
    }
  });

  it('refuses a blob that does not hold the key its type names', () => {
    const [, b64] = ed25519Line().split(' ');
    expect(codeOf(`ssh-rsa ${b64}`)).toBe('INVALID_PUBLIC_KEY');
    expect(codeOf(`ssh-dss ${b64}`)).toBe('INVALID_PUBLIC_KEY');
    expect(codeOf(blobLine('ssh-ed25519', [sshString(Buffer.alloc(31))]))).toBe(
      'INVALID_PUBLIC_KEY',
    );
    const extra = blobLine('ssh-ed25519', [sshString(Buffer.alloc(32)), Buffer.from([1])]);
    expect(codeOf(extra)).toBe('INVALID_PUBLIC_KEY');
    // A length that points past the end.
    const truncated = Buffer.concat([sshString('ssh-ed25519'), Buffer.from([0, 0, 0, 40, 1])]);
    expect(codeOf(`ssh-ed25519 ${truncated.toString('base64')}`)).toBe('INVALID_PUBLIC_KEY');
    // Damaged base64 (not canonical).
    expect(codeOf(`ssh-ed25519 ${b64!.slice(0, -2)}`)).toBe('INVALID_PUBLIC_KEY');
  });

  it('refuses RSA keys under 2048 bits', () => {
    expect(codeOf(rsaLine(1024))).toBe('INVALID_PUBLIC_KEY');
  });
});
