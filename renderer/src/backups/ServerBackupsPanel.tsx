import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  sortByProblem,
  type BackupProblem,
  type ProjectBackupSummary,
} from '@protocol/backup-transfer';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { formatBytes, formatDateTime } from '../i18n/format';
import { Badge } from '../ui/Badge';
import { Panel } from '../ui/Panel';

const TONE: Record<BackupProblem, 'red' | 'amber' | 'grey' | 'green'> = {
  failed: 'red',
  'drill-failed': 'red',
  never: 'amber',
  stale: 'amber',
  unscheduled: 'grey',
  ok: 'green',
};

/**
 * Every project's backups on one server, problems first (never backed up, a failed backup, a
 * failed restore drill, late for its schedule): last backup, size, destinations, last verified
 * restore, schedule. A row opens the project's Backups tab.
 */
export function ServerBackupsPanel({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [rows, setRows] = useState<ProjectBackupSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void api.serverBackups(serverId).then(
      (r) => live && (setRows(r), setError(null)),
      (e: unknown) => live && setError(errorText(toApiError(e))),
    );
    return () => {
      live = false;
    };
  }, [api, serverId]);
  return (
    <Panel title={t('backups.server.title')} className="xl:col-span-3">
      {error && <p className="text-xs text-danger">{error}</p>}
      {rows && <ServerBackupsTable serverId={serverId} rows={rows} now={Date.now()} />}
    </Panel>
  );
}

export function ServerBackupsTable(props: {
  serverId: string;
  rows: ProjectBackupSummary[];
  now: number;
}) {
  const { serverId, rows, now } = props;
  const { t } = useTranslation();
  const navigate = useApp((s) => s.navigate);
  if (rows.length === 0) return <p className="text-xs text-muted">{t('backups.server.none')}</p>;
  return (
    <>
      <p className="mb-2 text-xs text-muted">{t('backups.server.hint')}</p>
      <table className="w-full text-xs" data-testid="server-backups-table">
        <thead className="text-left text-muted">
          <tr>
            <th className="py-1 font-medium">{t('backups.server.project')}</th>
            <th className="font-medium">{t('backups.server.state')}</th>
            <th className="font-medium">{t('backups.server.last')}</th>
            <th className="font-medium">{t('backups.server.size')}</th>
            <th className="font-medium">{t('backups.server.destinations')}</th>
            <th className="font-medium">{t('backups.server.verified')}</th>
            <th className="font-medium">{t('backups.server.schedule')}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {sortByProblem(rows, now).map((r) => (
            <tr key={r.instanceId} data-problem={r.problem}>
              <td className="py-1.5">
                <button
                  type="button"
                  className="text-brand hover:underline"
                  onClick={() =>
                    navigate({
                      kind: 'project',
                      serverId,
                      instanceId: r.instanceId,
                      tab: 'backups',
                    })
                  }
                >
                  {r.name}
                </button>
              </td>
              <td>
                <Badge tone={TONE[r.problem]} label={t(`backups.server.problem.${r.problem}`)} />
                {r.problem === 'failed' && r.lastError && (
                  <span className="ml-1 text-danger" title={r.lastError.message}>
                    {errorText(r.lastError)}
                  </span>
                )}
              </td>
              <td>{r.last ? formatDateTime(r.last.startedAt) : t('backups.server.never')}</td>
              <td className="font-mono">{r.last ? formatBytes(r.last.bytes) : '—'}</td>
              <td>{r.last ? r.last.destinations.join(', ') : '—'}</td>
              <td>
                {r.backupStatus?.lastVerifiedAt
                  ? formatDateTime(r.backupStatus.lastVerifiedAt)
                  : '—'}
              </td>
              <td>
                {r.schedule
                  ? t(`backups.schedule.every.${r.schedule.frequency}`)
                  : t('backups.server.off')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
