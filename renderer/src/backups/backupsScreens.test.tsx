import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectBackupSummary } from '@protocol/backup-transfer';
import { createAppStore, StoreContext } from '../app/store';
import { server, testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import { BackupDestinationsPanel } from './BackupDestinationsPanel';
import { BackupsPanel, DownloadState } from './BackupsPanel';
import { BackupSchedulePanel } from './BackupSchedulePanel';
import { ServerBackupsTable } from './ServerBackupsPanel';

// The backups screens rendered from data, in both languages: the server-wide view (problems
// first), a download's bar and its end, the schedule editor and the destinations panel.

function html(element: React.ReactElement): string {
  const store = createAppStore(testApi({}));
  store.getInitialState = store.getState;
  store.getState().upsertServer(server({ state: 'connected' }));
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>{element}</StoreContext.Provider>,
  );
}

afterEach(async () => {
  await i18n.changeLanguage('en');
});

const now = Date.parse('2026-12-02T12:00:00Z');
const ago = (h: number) => new Date(now - h * 3_600_000).toISOString();
const daily = { frequency: 'daily' as const, retention: { last: 3 }, drill: 'weekly' as const };
const rows: ProjectBackupSummary[] = [
  {
    instanceId: 'a',
    name: 'loja-ok',
    count: 4,
    last: { id: 'b1', startedAt: ago(3), bytes: 48e6, destinations: ['local', 'dab12cd34ef'] },
    schedule: { ...daily, since: ago(500) },
    backupStatus: { lastVerifiedAt: ago(30) },
  },
  {
    instanceId: 'b',
    name: 'portal-late',
    count: 2,
    last: { id: 'b2', startedAt: ago(80), bytes: 1e6, destinations: ['local'] },
    schedule: { ...daily, since: ago(500) },
  },
  { instanceId: 'c', name: 'blog-never', count: 0, schedule: null },
  {
    instanceId: 'd',
    name: 'crm-failed',
    count: 1,
    last: { id: 'b3', startedAt: ago(30), bytes: 2e6, destinations: ['local'] },
    schedule: { ...daily, since: ago(500) },
    lastError: { at: ago(2), code: 'BACKUP_DESTINATION_FULL', message: 'The destination is full.' },
  },
  {
    instanceId: 'e',
    name: 'shop-drill',
    count: 3,
    last: { id: 'b4', startedAt: ago(1), bytes: 2e6, destinations: ['local'] },
    schedule: { ...daily, since: ago(500) },
    backupStatus: {
      lastVerifiedAt: ago(200),
      lastDrill: { at: ago(1), ok: false, backupId: 'b4', code: 'RESTORE_FAILED' },
    },
  },
  {
    instanceId: 'f',
    name: 'wiki-manual',
    count: 1,
    last: { id: 'b5', startedAt: ago(5), bytes: 2e6, destinations: ['local'] },
    schedule: null,
  },
];

describe('the server-wide backups view', () => {
  it('lists every project with problems first, then their last backup and verified restore', async () => {
    const en = html(<ServerBackupsTable serverId="s1" rows={rows} now={now} />);
    const order = [
      'crm-failed',
      'shop-drill',
      'blog-never',
      'portal-late',
      'wiki-manual',
      'loja-ok',
    ].map((n) => en.indexOf(n));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const text of [
      'Last backup failed',
      'The destination is full.',
      'Restore drill failed',
      'Never backed up',
      'Late for its schedule',
      'No schedule',
      'local, dab12cd34ef',
      'every day',
    ]) {
      expect(en).toContain(text);
    }
    await i18n.changeLanguage('pt-BR');
    const pt = html(<ServerBackupsTable serverId="s1" rows={rows} now={now} />);
    for (const text of [
      'Nunca teve backup',
      'Teste de restauração falhou',
      'Última restauração verificada',
    ]) {
      expect(pt).toContain(text);
    }
  });

  it('says so when the server has no project', () => {
    expect(html(<ServerBackupsTable serverId="s1" rows={[]} now={now} />)).toContain(
      'No projects on this server yet.',
    );
  });
});

describe('a download', () => {
  it('is offered on every backup of the Backups tab, in both languages', async () => {
    const row = {
      id: 'b20261202t030000z-a1b2c0',
      kind: 'scheduled' as const,
      instanceId: 'i1',
      instanceName: 'alpha',
      startedAt: '2026-12-02T03:00:00Z',
      finishedAt: '2026-12-02T03:00:10Z',
      durationMs: 10_000,
      bytes: 48_000_000,
      added: { local: 1 },
      destinations: ['local'],
      tables: 41,
      rows: 120_000,
      files: 50,
    };
    const rows = [row, { ...row, id: 'b20261201t030000z-a1b2c1' }];
    const tab = (
      <BackupsPanel serverId="s1" instanceId="i1" projectName="alpha" initialRows={rows} />
    );
    expect(html(tab).match(/aria-label="Download this backup to this computer"/g)).toHaveLength(2);
    await i18n.changeLanguage('pt-BR');
    expect(html(tab)).toContain('>Baixar<');
  });

  const base = {
    downloadId: 'dl0000000001',
    serverId: 's1',
    instanceId: 'i1',
    backupId: 'b20261202t030000z-a1b2c0',
  };
  it('shows a bar while it runs, then the folder and what it does not hold', async () => {
    const running = html(
      <DownloadState
        download={{ ...base, bytes: 12_000_000, totalBytes: 48_000_000, finished: false }}
      />,
    );
    expect(running).toMatch(/<progress[^>]*max="48000000"[^>]*value="12000000"/);
    expect(running).not.toContain('Cancel download');
    expect(
      html(
        <DownloadState
          download={{ ...base, bytes: 1, totalBytes: 2, finished: false }}
          onCancel={() => {}}
        />,
      ),
    ).toContain('Cancel download');
    expect(running).toMatch(/Downloading [0-9.,]+ [kMG]B of [0-9.,]+ [kMG]B…/);
    const done = html(
      <DownloadState
        download={{
          ...base,
          bytes: 48_000_000,
          totalBytes: 48_000_000,
          finished: true,
          result: {
            dir: '/home/ana/Downloads/alpha-b1',
            bytes: 48_000_000,
            files: 50,
            database: { file: '/home/ana/Downloads/alpha-b1/db.sql', sha256: 'ab', bytes: 1 },
          },
        }}
      />,
    );
    expect(done).toContain('Saved to /home/ana/Downloads/alpha-b1');
    expect(done).toContain('Roles and passwords are not included.');
    await i18n.changeLanguage('pt-BR');
    expect(
      html(<DownloadState download={{ ...base, bytes: 1, totalBytes: 2, finished: false }} />),
    ).toContain('Baixando');
  });
});

describe('the schedule editor', () => {
  it('offers a daily schedule with the default retention and weekly drills when there is none', () => {
    const page = html(<BackupSchedulePanel serverId="s1" instanceId="i1" />);
    expect(page).toContain('No schedule: backups are taken only when someone asks.');
    expect(page).toMatch(/<option value="daily" selected="">every day<\/option>/);
    for (const [label, value] of [
      ['Keep last', 3],
      ['Keep daily', 7],
      ['Keep weekly', 4],
      ['Keep monthly', 6],
    ] as const) {
      expect(page).toMatch(new RegExp(`${label}<input[^>]*value="${value}"`));
    }
    expect(page).toMatch(/<input type="checkbox" checked=""\/>Weekly restore drill/);
    expect(page).toContain('Save schedule');
    expect(page).not.toContain('Turn off');
  });

  it('shows a saved schedule with its retention, and a way to turn it off, in Portuguese too', async () => {
    const saved = {
      frequency: 'hourly' as const,
      retention: { last: 24, weekly: 2 },
      drill: 'off' as const,
      since: '2026-11-01T10:00:00Z',
    };
    const page = html(<BackupSchedulePanel serverId="s1" instanceId="i1" initial={saved} />);
    expect(page).toContain('Backed up every hour');
    expect(page).toMatch(/<option value="hourly" selected="">/);
    expect(page).toMatch(/Keep last<input[^>]*value="24"/);
    expect(page).toMatch(/Keep daily<input[^>]*value=""/);
    expect(page).toMatch(/<input type="checkbox"\/>Weekly restore drill/);
    expect(page).toContain('Turn off');
    await i18n.changeLanguage('pt-BR');
    const pt = html(<BackupSchedulePanel serverId="s1" instanceId="i1" initial={saved} />);
    expect(pt).not.toContain('Turn off');
    expect(pt).not.toContain('Save schedule');
  });
});

describe('the destinations panel', () => {
  const destinations = [
    { id: 'local', kind: 'local' as const, name: 'This server' },
    {
      id: 'dab12cd34ef',
      kind: 'sftp' as const,
      name: 'office nas',
      host: '203.0.113.5',
      port: 2222,
      user: 'backup',
      path: '/srv/ub',
    },
    {
      id: 'd0000000002',
      kind: 's3' as const,
      name: 'bucket',
      endpoint: 'https://s3.example.com',
      bucket: 'ub-backups',
      prefix: 'vps1',
    },
  ];
  it('lists every destination; only the ones that are not the server itself can be removed', () => {
    const page = html(<BackupDestinationsPanel serverId="s1" initial={{ rows: destinations }} />);
    expect(page).toContain('sftp backup@203.0.113.5:2222/srv/ub');
    expect(page).toContain('s3 https://s3.example.com/ub-backups/vps1');
    expect(page).toContain('on this server');
    expect(page.match(/>Remove</g)).toHaveLength(2);
  });

  it('asks for an SFTP server’s login and key, an S3 bucket’s keys with the secret masked', async () => {
    const sftp = html(<BackupDestinationsPanel serverId="s1" initial={{ adding: 'sftp' }} />);
    for (const label of [
      'Host',
      'Port',
      'Login',
      'Folder (absolute path)',
      'Private key (OpenSSH)',
    ]) {
      expect(sftp).toContain(label);
    }
    expect(sftp).toContain('<textarea');
    expect(sftp).not.toContain('Secret access key');
    const s3 = html(<BackupDestinationsPanel serverId="s1" initial={{ adding: 's3' }} />);
    expect(s3).toMatch(/Secret access key<input type="password"/);
    expect(s3).toContain('Endpoint URL');
    await i18n.changeLanguage('pt-BR');
    const pt = html(<BackupDestinationsPanel serverId="s1" initial={{ adding: 'sftp' }} />);
    expect(pt).not.toContain('Private key (OpenSSH)');
  });
});
