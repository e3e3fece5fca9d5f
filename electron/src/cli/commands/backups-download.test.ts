import { describe, expect, it } from 'vitest';
import type { BackupDownloadView } from '@contract/backups';
import type { ProjectBackupSummary } from '@protocol/backup-transfer';
import { fakeDesktop, fakeIo, project, run } from '../cli-test-kit';

// `backups download` follows the desktop's download with a bar on a TTY and prints the folder;
// `backups list <server>` is the server-wide view, problems first, and --json keeps its shape.

function desktop(views: BackupDownloadView[], summary: ProjectBackupSummary[] = []) {
  const d = fakeDesktop({ projects: [project({ name: 'shop', serverId: 'srv-web' })] });
  Object.assign(d, {
    downloadBackup: async (...args: unknown[]) => {
      d.calls.push(['downloadBackup', ...args]);
      return { downloadId: 'dl0000000001' };
    },
    backupDownload: async () => views.shift()!,
    serverBackups: async () => summary,
  });
  return d;
}

const base = {
  downloadId: 'dl0000000001',
  serverId: 'srv-web',
  instanceId: 'p-shop',
  backupId: 'b20261202t070000z-abc123',
  dir: '/tmp/out/shop-b20261202t070000z-abc123',
  totalBytes: 10_000_000,
};
const finished: BackupDownloadView = {
  ...base,
  bytes: 10_000_000,
  finished: true,
  result: {
    dir: base.dir,
    bytes: 10_000_000,
    files: 50,
    database: { file: `${base.dir}/db.sql`, sha256: 'ab', bytes: 9_000_000 },
  },
};

describe('backups download', () => {
  it('downloads into --out, drawing a bar on a TTY, and names the folder', async () => {
    const d = desktop([{ ...base, bytes: 2_500_000, finished: false }, finished]);
    const io = fakeIo({ tty: true });
    const r = await run(
      ['backups', 'download', 'web', 'shop', 'b20261202t070000z-abc123', '--out', '/tmp/out'],
      d,
      io,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'downloadBackup')).toEqual([
      'downloadBackup',
      'srv-web',
      'inst-shop',
      'b20261202t070000z-abc123',
      { outDir: '/tmp/out' },
    ]);
    expect(r.stdout).toContain(base.dir);
    expect(r.stdout).toContain('50 files');
    expect(r.stderr).toMatch(/shop █+.*10\.0 \/ 10\.0 MB/);
  });

  it('--json gives the result; a failure exits with the code', async () => {
    const ok = await run(
      ['backups', 'download', 'web', 'shop', 'b20261202t070000z-abc123', '--json'],
      desktop([finished]),
      fakeIo(),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ dir: base.dir, files: 50 });
    const bad = await run(
      ['backups', 'download', 'web', 'shop', 'b20261202t070000z-abc123', '--json'],
      desktop([
        {
          ...base,
          bytes: 0,
          finished: true,
          error: { code: 'BACKUP_REPOSITORY_DAMAGED', message: 'does not match' },
        },
      ]),
      fakeIo(),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('BACKUP_REPOSITORY_DAMAGED');
  });
});

describe('backups list <server>', () => {
  const now = Date.now();
  const ago = (h: number) => new Date(now - h * 3_600_000).toISOString();
  const summary: ProjectBackupSummary[] = [
    {
      instanceId: 'a',
      name: 'fine',
      count: 3,
      last: { id: 'b1', startedAt: ago(2), bytes: 5e6, destinations: ['local'] },
      schedule: { frequency: 'daily', retention: {}, drill: 'weekly', since: ago(100) },
      backupStatus: { lastVerifiedAt: ago(20) },
    },
    {
      instanceId: 'b',
      name: 'late',
      count: 1,
      last: { id: 'b2', startedAt: ago(72), bytes: 5e6, destinations: ['local'] },
      schedule: { frequency: 'daily', retention: {}, drill: 'weekly', since: ago(100) },
    },
    { instanceId: 'c', name: 'nothing', count: 0, schedule: null },
    {
      instanceId: 'd',
      name: 'broken-drill',
      count: 2,
      last: { id: 'b3', startedAt: ago(1), bytes: 5e6, destinations: ['local'] },
      schedule: { frequency: 'daily', retention: {}, drill: 'weekly', since: ago(100) },
      backupStatus: {
        lastDrill: { at: ago(1), ok: false, backupId: 'b3', code: 'RESTORE_FAILED' },
      },
    },
  ];

  it('lists every project, problems first, in both output forms', async () => {
    const r = await run(['backups', 'list', 'web'], desktop([], summary), fakeIo());
    expect(r.code, r.stderr).toBe(0);
    const order = ['broken-drill', 'nothing', 'late', 'fine'].map((n) => r.stdout.indexOf(n));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(r.stdout).toContain('restore drill failed');
    expect(r.stdout).toContain('late for its schedule');
    const json = await run(['backups', 'list', 'web', '--json'], desktop([], summary), fakeIo());
    expect(JSON.parse(json.stdout).map((p: { problem: string }) => p.problem)).toEqual([
      'drill-failed',
      'never',
      'stale',
      'ok',
    ]);
  });
});

describe('backups list <server> <project>', () => {
  it('warns first when the project’s last restore drill failed', async () => {
    const d = fakeDesktop({
      projects: [
        project({
          name: 'shop',
          serverId: 'srv-web',
          backupStatus: {
            lastDrill: {
              at: '2026-12-02T03:00:00.000Z',
              ok: false,
              backupId: 'b1',
              code: 'RESTORE_FAILED',
              message: 'public.orders: 3 rows, not 5.',
            },
          },
        }),
      ],
    });
    Object.assign(d, { listBackups: async () => [] });
    const r = await run(['backups', 'list', 'web', 'shop'], d, fakeIo());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'The last restore drill failed (2026-12-02 03:00:00Z): public.orders: 3 rows, not 5.',
    );
    const json = await run(['backups', 'list', 'web', 'shop', '--json'], d, fakeIo());
    expect(JSON.parse(json.stdout)).toEqual([]);
  });
});
