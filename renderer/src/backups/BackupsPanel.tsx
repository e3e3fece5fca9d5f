import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupSummary } from '@protocol/backups';
import type { BackupDownloadView } from '@contract/backups';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { formatBytes, formatDateTime } from '../i18n/format';
import { Button } from '../ui/Button';
import { Panel } from '../ui/Panel';
import { BackupDestinationsPanel } from './BackupDestinationsPanel';
import { BackupSchedulePanel } from './BackupSchedulePanel';

const POLL_MS = 1000;
const DOWNLOAD_POLL_MS = 300;

/** A download's bar while it runs, then where it went (errors show in the panel's error line). */
export function DownloadState({
  download,
  onCancel,
}: {
  download: BackupDownloadView;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  if (download.error) return null;
  if (download.finished && download.result) {
    return (
      <p
        className="text-xs text-emerald-700 dark:text-emerald-400"
        role="status"
        data-testid="backup-download-done"
      >
        {t('backups.download.done', { dir: download.result.dir })}{' '}
        <span className="text-muted">{t('backups.download.secretsNote')}</span>
      </p>
    );
  }
  return (
    <div className="text-xs" data-testid="backup-download-progress">
      <p className="text-muted" role="status">
        {t('backups.download.progress', {
          done: formatBytes(download.bytes),
          total: formatBytes(download.totalBytes),
        })}
      </p>
      <div className="mt-1 flex items-center gap-2">
        <progress
          className="h-1.5 w-full accent-brand"
          max={Math.max(1, download.totalBytes)}
          value={download.bytes}
          aria-label={t('backups.download.label')}
        />
        {onCancel && (
          <Button size="sm" onClick={onCancel}>
            {t('backups.download.cancel')}
          </Button>
        )}
      </div>
    </div>
  );
}

/**
 * A project's backups: the list (time, size, duration, destinations, verified mark), back up
 * now, and restore (in place after typing the project's name, or into a new project).
 */
export function BackupsPanel(props: {
  serverId: string;
  instanceId: string;
  projectName: string;
  /** The list to show before the first load (a server-rendered start). */
  initialRows?: BackupSummary[];
}) {
  const { serverId, instanceId, projectName, initialRows } = props;
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [rows, setRows] = useState<BackupSummary[] | null>(initialRows ?? null);
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<{ id: string; text: string } | null>(null);
  const [restoring, setRestoring] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const [cloneName, setCloneName] = useState('');
  const [download, setDownload] = useState<BackupDownloadView | null>(null);

  const load = useCallback(
    () =>
      api.listBackups(serverId, instanceId).then(
        (r) => (setRows(r), setError(null)),
        (e: unknown) => setError(errorText(toApiError(e))),
      ),
    [api, serverId, instanceId],
  );
  useEffect(() => void load(), [load]);

  // Follows a job until it ends, then reloads the list.
  useEffect(() => {
    if (!job) return;
    let live = true;
    const timer = setInterval(() => {
      void api.backupJob(serverId, job.id).then(
        (j) => {
          if (!live) return;
          const last = j.events.at(-1);
          if (last) setJob({ id: job.id, text: t(`backups.phase.${last.phase}`) });
          if (j.finished) {
            setJob(null);
            if (j.error) setError(errorText(toApiError(j.error)));
            void load();
          }
        },
        (e: unknown) => live && (setJob(null), setError(errorText(toApiError(e)))),
      );
    }, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, serverId, job, load, t]);

  // Follows a download until it ends (every checksum checked, or an error).
  const downloading = download !== null && !download.finished;
  useEffect(() => {
    if (!download || download.finished) return;
    let live = true;
    const timer = setInterval(() => {
      void api.backupDownload(download.downloadId).then(
        (d) => {
          if (!live) return;
          setDownload(d);
          if (d.error) setError(errorText(toApiError(d.error)));
        },
        (e: unknown) => live && (setDownload(null), setError(errorText(toApiError(e)))),
      );
    }, DOWNLOAD_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, download]);

  const startDownload = (backupId: string) =>
    api.downloadBackup(serverId, instanceId, backupId).then(
      (r) => (
        setError(null),
        setDownload({
          downloadId: r.downloadId,
          serverId,
          instanceId,
          backupId,
          bytes: 0,
          totalBytes: 0,
          finished: false,
        })
      ),
      (e: unknown) => setError(errorText(toApiError(e))),
    );

  const start = (run: () => Promise<{ jobId: string }>) =>
    run().then(
      (r) => (setError(null), setRestoring(null), setTyped(''), setJob({ id: r.jobId, text: '' })),
      (e: unknown) => setError(errorText(toApiError(e))),
    );

  return (
    <>
      <Panel
        title={t('backups.title')}
        actions={
          <Button
            variant="primary"
            busy={job !== null}
            disabled={job !== null}
            onClick={() => void start(() => api.createBackup(serverId, instanceId))}
          >
            {t('backups.backupNow')}
          </Button>
        }
      >
        {job && (
          <p className="text-xs text-muted" role="status">
            {job.text || t('backups.phase.queued')}
          </p>
        )}
        {download && (
          <DownloadState
            download={download}
            onCancel={() =>
              void api
                .cancelBackupDownload(download.downloadId)
                .catch((e: unknown) => setError(errorText(toApiError(e))))
            }
          />
        )}
        {error && <p className="text-xs text-danger">{error}</p>}
        {rows && rows.length === 0 && <p className="text-xs text-muted">{t('backups.none')}</p>}
        {rows && rows.length > 0 && (
          <table className="w-full text-xs" data-testid="backups-table">
            <thead className="text-left text-muted">
              <tr>
                <th className="py-1 font-medium">{t('backups.when')}</th>
                <th className="font-medium">{t('backups.size')}</th>
                <th className="font-medium">{t('backups.duration')}</th>
                <th className="font-medium">{t('backups.destinations')}</th>
                <th className="font-medium">{t('backups.verified')}</th>
                <th />
              </tr>
            </thead>
            <tbody className="divide-y divide-line">
              {rows.map((b) => (
                <tr key={b.id}>
                  <td className="py-1.5">
                    {formatDateTime(b.startedAt)}
                    {b.kind === 'safety' && (
                      <span className="ml-1 text-muted">({t('backups.safety')})</span>
                    )}
                    {b.kind === 'pre-upgrade' && (
                      <span className="ml-1 text-muted">({t('backups.preUpgrade')})</span>
                    )}
                  </td>
                  <td className="font-mono">{formatBytes(b.bytes)}</td>
                  <td className="font-mono">
                    {t('backups.seconds', { s: Math.round(b.durationMs / 1000) })}
                  </td>
                  <td>{b.destinations.join(', ')}</td>
                  <td>{b.verifiedAt ? formatDateTime(b.verifiedAt) : '—'}</td>
                  <td className="flex justify-end gap-1 py-1">
                    <Button
                      size="sm"
                      aria-label={t('backups.download.label')}
                      title={t('backups.download.label')}
                      disabled={downloading}
                      onClick={() => void startDownload(b.id)}
                    >
                      {t('backups.download.button')}
                    </Button>
                    <Button
                      size="sm"
                      onClick={() => setRestoring(restoring === b.id ? null : b.id)}
                    >
                      {t('backups.restore')}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {restoring && (
          <div className="mt-3 flex flex-col gap-2 rounded border border-line p-3 text-xs">
            <p>{t('backups.restoreWarning', { name: projectName })}</p>
            <input
              aria-label={t('backups.typeName')}
              placeholder={projectName}
              className="rounded border border-line bg-transparent px-2 py-1"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
            <div>
              <Button
                variant="danger"
                disabled={typed !== projectName || job !== null}
                onClick={() =>
                  void start(() =>
                    api.restoreBackup(serverId, instanceId, restoring, { confirm: typed }),
                  )
                }
              >
                {t('backups.restoreHere')}
              </Button>
            </div>
            <p>{t('backups.cloneHint')}</p>
            <input
              aria-label={t('backups.cloneName')}
              className="rounded border border-line bg-transparent px-2 py-1"
              value={cloneName}
              onChange={(e) => setCloneName(e.target.value)}
            />
            <div>
              <Button
                disabled={cloneName.trim() === '' || job !== null}
                onClick={() =>
                  void start(() =>
                    api.cloneBackup(serverId, instanceId, restoring, { name: cloneName.trim() }),
                  )
                }
              >
                {t('backups.clone')}
              </Button>
            </div>
          </div>
        )}
      </Panel>
      <BackupSchedulePanel serverId={serverId} instanceId={instanceId} />
      <BackupDestinationsPanel serverId={serverId} />
    </>
  );
}
