import { createHash } from 'node:crypto';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

/** An OpenSSH public key reduced to what goes into authorized_keys: no options, no comment. */
export interface PublicKey {
  type: string;
  /** The key blob, base64 as OpenSSH writes it. */
  base64: string;
  /** 'SHA256:…' without padding, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

const RSA_MIN_BITS = 2048;
const ECDSA_CURVES: Record<string, string> = {
  'ecdsa-sha2-nistp256': 'nistp256',
  'ecdsa-sha2-nistp384': 'nistp384',
  'ecdsa-sha2-nistp521': 'nistp521',
  'sk-ecdsa-sha2-nistp256@openssh.com': 'nistp256',
};
const KEY_TYPES = new Set([
  'ssh-ed25519',
  'sk-ssh-ed25519@openssh.com',
  'ssh-rsa',
  ...Object.keys(ECDSA_CURVES),
]);
// "type base64 [comment]": one line, single spaces, a printable ASCII comment. Whatever is
// refused here could otherwise become an authorized_keys option (command=, permitopen=…) or a
// second key line, which would undo the restrictions the agent writes in front of the key.
const LINE_RE = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: [\x20-\x7e]{0,200})?$/;

function invalid(reason: string): AgentError {
  return new AgentError(
    ErrorCode.INVALID_PUBLIC_KEY,
    `That is not an OpenSSH public key line: ${reason} Paste the one line of the .pub file ` +
      '(for example "ssh-ed25519 AAAAC3Nz… ana@laptop").',
  );
}

/** Parses and checks one public key line as `ssh-keygen` writes it into a `.pub` file. */
export function parsePublicKey(text: string): PublicKey {
  const line = text.replace(/\r?\n$/, '');
  if (/[\r\n\0]/.test(line)) throw invalid('it must be a single line.');
  const match = LINE_RE.exec(line);
  if (!match) throw invalid('expected "type base64 [comment]" with nothing before the type.');
  const [, type = '', base64 = ''] = match;
  if (!KEY_TYPES.has(type)) {
    throw invalid(
      `"${type.slice(0, 40)}" is not a supported key type (${[...KEY_TYPES].join(', ')}); ` +
        'options such as command= are not accepted.',
    );
  }
  const blob = Buffer.from(base64, 'base64');
  if (blob.toString('base64') !== base64) throw invalid('the base64 part is damaged.');
  checkBlob(type, new BlobReader(blob));
  const fingerprint =
    'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  return { type, base64, fingerprint };
}

/** The key blob must name the same type as the line and carry a well-formed key of that type. */
function checkBlob(type: string, blob: BlobReader): void {
  if (blob.string().toString('latin1') !== type) {
    throw invalid('the key inside does not match the type in front of it.');
  }
  if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
    if (blob.string().length !== 32) throw invalid('the Ed25519 key has the wrong length.');
  } else if (type === 'ssh-rsa') {
    blob.string(); // public exponent
    const modulus = blob.string();
    const bits = (modulus.length - (modulus[0] === 0 ? 1 : 0)) * 8;
    if (bits < RSA_MIN_BITS) throw invalid(`RSA keys need at least ${RSA_MIN_BITS} bits.`);
  } else {
    if (blob.string().toString('latin1') !== ECDSA_CURVES[type]) {
      throw invalid('the ECDSA curve does not match the key type.');
    }
    const point = blob.string();
    if (point.length === 0 || point[0] !== 0x04) throw invalid('the ECDSA point is malformed.');
  }
  if (type.startsWith('sk-')) blob.string(); // application ("ssh:")
  if (!blob.atEnd()) throw invalid('there are extra bytes after the key.');
}

/** Reads SSH wire-format strings (uint32 length + bytes), failing on truncation. */
class BlobReader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  string(): Buffer {
    if (this.offset + 4 > this.bytes.length) throw invalid('the key is truncated.');
    const length = this.bytes.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (length > this.bytes.length - start) throw invalid('the key is truncated.');
    this.offset = start + length;
    return this.bytes.subarray(start, this.offset);
  }

  atEnd(): boolean {
    return this.offset === this.bytes.length;
  }
}
