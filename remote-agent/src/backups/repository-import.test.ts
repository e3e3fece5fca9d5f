import { describe, expect, it } from 'vitest';
import { backupsInSnapshots, chooseBackup } from './repository-import';

// How a server that never wrote a repository finds whole backups in it: from restic's snapshot
// list alone (tags and host), without the other server's index.

const snap = (
  id: string,
  time: string,
  host: string,
  backup: string,
  part: string,
  kind = 'manual',
) => ({
  id,
  time,
  hostname: host,
  tags: ['ub', `ub-backup:${backup}`, `ub-part:${part}`, `ub-kind:${kind}`],
});

const listed = JSON.stringify([
  snap('s1', '2026-12-01T10:00:00Z', 'p1', 'b20261201t1000z-aaa', 'db'),
  snap('s2', '2026-12-01T10:00:05Z', 'p1', 'b20261201t1000z-aaa', 'files'),
  snap('s3', '2026-12-02T10:00:00Z', 'p1', 'b20261202t1000z-bbb', 'db'),
  snap('s4', '2026-12-02T10:00:05Z', 'p1', 'b20261202t1000z-bbb', 'files'),
  // a safety backup, newer
  snap('s5', '2026-12-02T11:00:00Z', 'p1', 'b20261202t1100z-ccc', 'db', 'safety'),
  snap('s6', '2026-12-02T11:00:05Z', 'p1', 'b20261202t1100z-ccc', 'files', 'safety'),
  // interrupted between its two parts: not a whole backup
  snap('s7', '2026-12-02T12:00:00Z', 'p1', 'b20261202t1200z-ddd', 'db'),
  // another project
  snap('s8', '2026-12-02T13:00:00Z', 'p2', 'b20261202t1300z-eee', 'db'),
  snap('s9', '2026-12-02T13:00:05Z', 'p2', 'b20261202t1300z-eee', 'files'),
  // not ours
  { id: 's10', time: '2026-12-02T14:00:00Z', hostname: 'x', tags: ['other'] },
  { id: 's11', time: '2026-12-02T14:00:00Z', hostname: 'x' },
]);

describe('backups in a foreign repository', () => {
  it('pairs database and files snapshots into whole backups, newest first', () => {
    const found = backupsInSnapshots(listed);
    expect(found.map((b) => b.id)).toEqual([
      'b20261202t1300z-eee',
      'b20261202t1100z-ccc',
      'b20261202t1000z-bbb',
      'b20261201t1000z-aaa',
    ]);
    expect(found[2]).toEqual({
      id: 'b20261202t1000z-bbb',
      instanceId: 'p1',
      kind: 'manual',
      startedAt: '2026-12-02T10:00:00Z',
      db: 's3',
      files: 's4',
    });
    expect(backupsInSnapshots('')).toEqual([]);
  });

  it("takes a named backup, or a project's newest that is not a safety backup", () => {
    const found = backupsInSnapshots(listed);
    expect(chooseBackup(found, { instanceId: 'p1' }).id).toBe('b20261202t1000z-bbb');
    expect(chooseBackup(found, { backupId: 'b20261201t1000z-aaa' }).files).toBe('s2');
    expect(() =>
      chooseBackup(found, { instanceId: 'p1', backupId: 'b20261202t1300z-eee' }),
    ).toThrow(expect.objectContaining({ code: 'BACKUP_NOT_FOUND' }));
    expect(() => chooseBackup(found, { instanceId: 'p3' })).toThrow(
      expect.objectContaining({ code: 'BACKUP_NOT_FOUND' }),
    );
  });

  it('refuses a listing in an unknown form', () => {
    expect(() => backupsInSnapshots('{"not":"a list"}')).toThrow(
      expect.objectContaining({ code: 'BACKUP_FAILED' }),
    );
  });
});
