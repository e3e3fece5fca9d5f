import { describe, expect, it } from 'vitest';
import { isMissingRepository, resticError } from './restic-errors';

describe('resticError', () => {
  it.each([
    ['Fatal: wrong password or no key found', 'BACKUP_WRONG_PASSWORD'],
    [
      'Fatal: unable to save snapshot: Write: sftp: "Failure" (SSH_FX_FAILURE)',
      'BACKUP_DESTINATION_FULL',
    ],
    ['write /ub/repository/data/ab/x: no space left on device', 'BACKUP_DESTINATION_FULL'],
    ['ssh: connect to host 10.0.0.9 port 22: Connection refused', 'BACKUP_DESTINATION_UNREACHABLE'],
    [
      'Host key verification failed.\nFatal: unable to open repository',
      'BACKUP_DESTINATION_UNREACHABLE',
    ],
    [
      'Load(<data/12ab>, 0, 0) returned error: ciphertext verification failed',
      'BACKUP_REPOSITORY_DAMAGED',
    ],
    ['something nobody expected', 'BACKUP_FAILED'],
  ])('%s → %s', (stderr, code) => {
    const error = resticError('backup', stderr, 1);
    expect(error.code).toBe(code);
    expect(error.data.step).toBe('backup');
  });

  it('recognises a repository that does not exist yet', () => {
    expect(
      isMissingRepository(
        'Fatal: unable to open config file: stat /ub/repository/config: no such file or directory\n' +
          'Is there a repository at the following location?',
      ),
    ).toBe(true);
    expect(isMissingRepository('Fatal: wrong password or no key found')).toBe(false);
  });
});
