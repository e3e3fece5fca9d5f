import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DumpImportStatus } from '@contract/backups';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { formatBytes } from '../i18n/format';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { Field } from '../ui/Field';

const POLL_MS = 500;

/** "Import a project" on a server's page (admins): the button and its dialog. */
export function ImportProjectButton({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>{t('dumpImport.open')}</Button>
      {open && <ImportDialog serverId={serverId} onClose={() => setOpen(false)} />}
    </>
  );
}

/**
 * Import of an existing Supabase project: a pg_dump file (plain SQL, or gzip) and optionally
 * a folder of Storage files, into a NEW project. The files are picked in the system's dialog
 * (main only accepts those); progress is the bytes sent, then the database load.
 */
export function ImportDialog({ serverId, onClose }: { serverId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const navigate = useApp((s) => s.navigate);
  const [dumpPath, setDumpPath] = useState<string | null>(null);
  const [storageDir, setStorageDir] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [importId, setImportId] = useState<string | null>(null);
  const [status, setStatus] = useState<DumpImportStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = importId !== null && !status?.finished;

  useEffect(() => {
    if (!importId) return;
    let live = true;
    const timer = setInterval(() => {
      void api.dumpImportStatus(importId).then(
        (s) => {
          if (!live) return;
          setStatus(s);
          if (s.finished) {
            clearInterval(timer);
            if (s.error) setError(errorText(toApiError(s.error)));
          }
        },
        (e: unknown) => live && setError(errorText(toApiError(e))),
      );
    }, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, importId]);

  const choose = (kind: 'dump' | 'storage') =>
    api.chooseImportPath(kind).then(
      (path) => {
        if (path === null) return;
        if (kind === 'dump') setDumpPath(path);
        else setStorageDir(path);
      },
      (e: unknown) => setError(errorText(toApiError(e))),
    );

  const start = () => {
    if (!dumpPath) return;
    setError(null);
    setStatus(null);
    void api
      .startDumpImport(serverId, {
        dumpPath,
        name: name.trim(),
        ...(storageDir ? { storageDir } : {}),
      })
      .then(
        (r) => setImportId(r.importId),
        (e: unknown) => setError(errorText(toApiError(e))),
      );
  };

  const progress = status?.progress;
  const fraction =
    progress && progress.totalBytes > 0 ? Math.min(1, progress.bytes / progress.totalBytes) : 0;
  const report = status?.finished && !status.error ? status.report : undefined;
  const project = status?.project;

  return (
    <Dialog
      title={t('dumpImport.title')}
      onClose={() => {
        if (running && importId) void api.cancelDumpImport(importId);
        onClose();
      }}
      testId="import-dialog"
      footer={
        <>
          {running && importId ? (
            <Button variant="ghost" onClick={() => void api.cancelDumpImport(importId)}>
              {t('dumpImport.cancel')}
            </Button>
          ) : (
            <Button variant="ghost" onClick={onClose}>
              {t('common.close')}
            </Button>
          )}
          {report && project ? (
            <Button
              variant="primary"
              onClick={() => {
                onClose();
                navigate({ kind: 'project', serverId, instanceId: project.id });
              }}
            >
              {t('dumpImport.openProject')}
            </Button>
          ) : (
            <Button
              variant="primary"
              busy={running}
              disabled={running || !dumpPath || name.trim() === ''}
              onClick={start}
            >
              {t('dumpImport.start')}
            </Button>
          )}
        </>
      }
    >
      <div className="flex flex-col gap-3 text-[13px]">
        <p className="text-muted">{t('dumpImport.intro')}</p>
        <PathRow
          label={t('dumpImport.dump')}
          value={dumpPath}
          empty={t('dumpImport.noDump')}
          choose={() => void choose('dump')}
          disabled={running}
        />
        <PathRow
          label={t('dumpImport.storage')}
          value={storageDir}
          empty={t('dumpImport.noStorage')}
          choose={() => void choose('storage')}
          clear={storageDir ? () => setStorageDir(null) : undefined}
          disabled={running}
        />
        <Field
          label={t('dumpImport.name')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          disabled={running || report !== undefined}
          autoComplete="off"
        />
        {progress && !report && (
          <div className="flex flex-col gap-1" data-testid="import-progress">
            <progress
              className="h-2 w-full"
              max={1}
              value={fraction}
              aria-label={t('dumpImport.progress')}
            />
            <p className="text-muted">
              {t(`dumpImport.phase.${progress.phase}`)}
              {progress.totalBytes > 0 &&
                ` — ${formatBytes(progress.bytes)} / ${formatBytes(progress.totalBytes)}`}
              {progress.totalFiles > 0 &&
                ` · ${t('dumpImport.filesOf', { files: progress.files, total: progress.totalFiles })}`}
            </p>
          </div>
        )}
        {report && (
          <div className="flex flex-col gap-1" data-testid="import-report">
            <p className="font-medium">
              {t('dumpImport.done', {
                name: project?.name ?? name,
                size: formatBytes(report.dumpBytes),
                files: report.files,
              })}
            </p>
            {report.errorCount > 0 && (
              <>
                <p className="text-warn">{t('dumpImport.refused', { count: report.errorCount })}</p>
                <ul className="max-h-40 overflow-auto font-mono text-xs text-muted">
                  {report.errors.slice(0, 50).map((e) => (
                    <li key={`${e.line}-${e.message}`}>
                      {t('dumpImport.line', { line: e.line, message: e.message })}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
        {error && (
          <p role="alert" className="text-danger">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}

function PathRow(props: {
  label: string;
  value: string | null;
  empty: string;
  choose: () => void;
  clear?: () => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col gap-1">
      <span className="text-xs font-medium text-muted">{props.label}</span>
      <div className="flex items-center gap-2">
        <span className={`min-w-0 flex-1 truncate ${props.value ? '' : 'text-muted'}`}>
          {props.value ?? props.empty}
        </span>
        <Button size="sm" onClick={props.choose} disabled={props.disabled}>
          {t('dumpImport.choose')}
        </Button>
        {props.clear && (
          <Button size="sm" variant="ghost" onClick={props.clear} disabled={props.disabled}>
            {t('dumpImport.clear')}
          </Button>
        )}
      </div>
    </div>
  );
}
