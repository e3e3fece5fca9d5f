import { CodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';

/**
 * What restic's stderr means, as a stable code. Restic has no machine-readable errors, so these
 * are its own sentences (0.14; the same in later versions): the order matters, the first match
 * wins. Anything else is BACKUP_FAILED with restic's last lines.
 */
const RULES: { code: ErrorCode; pattern: RegExp; say: string }[] = [
  {
    code: ErrorCode.BACKUP_WRONG_PASSWORD,
    pattern: /wrong password or no key found/i,
    say:
      'The repository password does not open this backup repository. Use the password ' +
      'Ultrabase stored in the keychain (or your vault) for this server.',
  },
  {
    code: ErrorCode.BACKUP_DESTINATION_FULL,
    // OpenSSH's sftp-server reports ENOSPC (and EDQUOT) as the generic SSH_FX_FAILURE: a write
    // it refused with nothing more specific is, in practice, a full disk or a quota.
    pattern: /no space left on device|disk quota exceeded|quota exceeded|Write: sftp: "Failure"/i,
    say:
      'The backup destination is full (or refused to store more data). Free space there ' +
      '(or prune old backups) and retry.',
  },
  {
    code: ErrorCode.BACKUP_DESTINATION_UNREACHABLE,
    pattern:
      /unable to start the sftp session|ssh: connect to host|Connection refused|Could not resolve hostname|Host key verification failed|Permission denied \(publickey|connection reset|i\/o timeout|no such host/i,
    say: 'The backup destination cannot be reached. Check its address, port, key and host key.',
  },
  {
    code: ErrorCode.BACKUP_REPOSITORY_DAMAGED,
    pattern:
      /ciphertext verification failed|invalid data returned|checksum mismatch|hash does not match|unexpected EOF|decompress|Unmarshal|pack .* (is )?(damaged|invalid|not found)|LoadBlob|Load\(<|not found in index|tree .* not found|wrong length|header length|invalid repository version|repository contains errors/i,
    say:
      'The backup repository is damaged: restic could not read it back intact. Nothing was ' +
      'changed on the project. Run "backups verify" and take a new backup.',
  },
];

/** Restic said the repository does not exist (yet): the caller initialises it. */
export function isMissingRepository(stderr: string): boolean {
  return /Is there a repository at the following location\?|unable to open config file.*(no such file|not exist)|repository does not exist/i.test(
    stderr,
  );
}

/** The coded error for a failed restic run; `what` says which step, for the message. */
export function resticError(what: string, stderr: string, exitCode: number | null): CodedError {
  const tail = lastLines(stderr);
  for (const rule of RULES) {
    if (rule.pattern.test(stderr)) {
      return new CodedError(rule.code, rule.say, { step: what, restic: tail });
    }
  }
  return new CodedError(
    ErrorCode.BACKUP_FAILED,
    `restic ${what} failed (exit ${exitCode ?? 'signal'}): ${tail || 'no message'}`,
    { step: what, restic: tail },
  );
}

function lastLines(text: string, n = 6): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('{'))
    .slice(-n)
    .join('\n');
}
