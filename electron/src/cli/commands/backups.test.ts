import { describe, expect, it } from 'vitest';
import type { BackupJobView } from '@contract/backups';
import { fakeDesktop, fakeIo, project, run } from '../cli-test-kit';

function desktopWithBackups(jobs: BackupJobView[]) {
  const d = fakeDesktop({ projects: [project({ name: 'shop', serverId: 'srv-web' })] });
  const calls = d.calls;
  Object.assign(d, {
    listBackups: async () => [
      {
        id: 'b20261202t070000z-abc123',
        kind: 'manual',
        instanceId: 'p-shop',
        instanceName: 'shop',
        startedAt: '2026-12-02T07:00:00.000Z',
        finishedAt: '2026-12-02T07:00:12.000Z',
        durationMs: 12_000,
        bytes: 9_500_000,
        added: { local: 9_500_000 },
        destinations: ['local'],
        tables: 40,
        rows: 100_001,
        files: 52,
      },
    ],
    createBackup: async (...args: unknown[]) => {
      calls.push(['createBackup', ...args]);
      return { jobId: 'j0000000001', queuePosition: 1 };
    },
    restoreBackup: async (...args: unknown[]) => {
      calls.push(['restoreBackup', ...args]);
      return { jobId: 'j0000000002', queuePosition: 0 };
    },
    backupJob: async () => jobs.shift() ?? { instanceId: 'p-shop', events: [], finished: true },
  });
  return d;
}

describe('backups', () => {
  it('lists backups as JSON, unchanged by language', async () => {
    const d = desktopWithBackups([]);
    const r = await run(['backups', 'list', 'web', 'shop', '--json'], d, fakeIo());
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({
      id: 'b20261202t070000z-abc123',
      rows: 100_001,
    });
  });

  it('follows a backup to its end with --wait and prints the backup id', async () => {
    const d = desktopWithBackups([
      { instanceId: 'p-shop', events: [], finished: false },
      {
        instanceId: 'p-shop',
        events: [
          {
            jobId: 'j0000000001',
            instanceId: 'p-shop',
            job: 'backup',
            at: '',
            phase: 'done',
            percent: 100,
          },
        ],
        finished: true,
        backupId: 'b20261202t080000z-def456',
      },
    ]);
    const r = await run(['backups', 'create', 'web', 'shop', '--wait', '--json'], d, fakeIo());
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ backupId: 'b20261202t080000z-def456' });
  });

  it('refuses an in-place restore without the typed name, and passes the name when given', async () => {
    const d = desktopWithBackups([]);
    const refused = await run(
      ['backups', 'restore', 'web', 'shop', 'b20261202t070000z-abc123'],
      d,
      fakeIo(),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--confirm');
    expect(d.calls.some((c) => c[0] === 'restoreBackup')).toBe(false);
    const ok = await run(
      ['backups', 'restore', 'web', 'shop', 'b20261202t070000z-abc123', '--confirm', 'shop'],
      d,
      fakeIo(),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'restoreBackup')?.slice(3)).toEqual([
      'b20261202t070000z-abc123',
      { confirm: 'shop', destination: undefined },
    ]);
  });

  it('reports a failed job with its code', async () => {
    const d = desktopWithBackups([
      {
        instanceId: 'p-shop',
        events: [],
        finished: true,
        error: { code: 'BACKUP_WRONG_PASSWORD', message: 'wrong password' },
      },
    ]);
    const r = await run(['backups', 'create', 'web', 'shop', '--wait', '--json'], d, fakeIo());
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('BACKUP_WRONG_PASSWORD');
  });
});
