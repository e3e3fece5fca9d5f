import type { BackupManifest } from '@protocol/backups';

/**
 * A small, valid backup manifest for the backups unit tests that replace restic and psql with
 * recorders: an empty database, no files, one snapshot pair at `local`.
 */
export function testManifest(overrides: Partial<BackupManifest> = {}): BackupManifest {
  return {
    format: 1,
    id: 'b20261202t080000z-abc123',
    kind: 'manual',
    instanceId: 'p1',
    instanceName: 'shop',
    agentVersion: 'test',
    startedAt: '2026-12-02T08:00:00.000Z',
    finishedAt: '2026-12-02T08:00:05.000Z',
    database: { file: 'db.sql', bytes: 10, sha256: 'x', durationMs: 1, tables: [] },
    roles: { bytes: 1, sha256: 'y' },
    files: { count: 0, bytes: 0, durationMs: 1, entries: [] },
    snapshots: { local: { db: 's1', files: 's2' } },
    ...overrides,
  };
}
