import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupDestinationPublic } from '@protocol/backups';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { Button } from '../ui/Button';
import { Panel } from '../ui/Panel';

type Kind = 'sftp' | 's3';
const EMPTY = {
  name: '',
  host: '',
  port: '22',
  user: '',
  path: '',
  privateKey: '',
  knownHosts: '',
  endpoint: '',
  bucket: '',
  prefix: '',
  accessKeyId: '',
  secretAccessKey: '',
};
const input = 'rounded border border-line bg-transparent px-2 py-1';

/**
 * The server's backup destinations (every backup goes to all of them): the list, add an SFTP
 * server or an S3 bucket, remove one. Credentials go to the server's 0600 files and this
 * computer's keychain; the form forgets them once sent.
 */
export function BackupDestinationsPanel(props: {
  serverId: string;
  /** What to show before the first load (the list, an open form): a server-rendered start. */
  initial?: { rows?: BackupDestinationPublic[]; adding?: Kind };
}) {
  const { serverId, initial } = props;
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [rows, setRows] = useState<BackupDestinationPublic[] | null>(initial?.rows ?? null);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState<Kind | null>(initial?.adding ?? null);
  const [form, setForm] = useState(EMPTY);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      api.listBackupDestinations(serverId).then(
        (r) => (setRows(r), setError(null)),
        (e: unknown) => setError(errorText(toApiError(e))),
      ),
    [api, serverId],
  );
  useEffect(() => void load(), [load]);

  const field = (key: keyof typeof EMPTY, label: string, secret = false) => (
    <label className="flex flex-col gap-1">
      {label}
      {key === 'privateKey' ? (
        <textarea
          className={`${input} h-20 font-mono`}
          spellCheck={false}
          value={form.privateKey}
          onChange={(e) => setForm((f) => ({ ...f, privateKey: e.target.value }))}
        />
      ) : (
        <input
          type={secret ? 'password' : 'text'}
          autoComplete="off"
          className={input}
          value={form[key]}
          onChange={(e) => setForm((f) => ({ ...f, [key]: e.target.value }))}
        />
      )}
    </label>
  );

  const submit = () => {
    if (!adding) return;
    const destination =
      adding === 'sftp'
        ? {
            kind: 'sftp' as const,
            name: form.name.trim(),
            host: form.host.trim(),
            port: Number(form.port) || 22,
            user: form.user.trim(),
            path: form.path.trim(),
            privateKey: form.privateKey,
            ...(form.knownHosts.trim() ? { knownHosts: form.knownHosts.trim() } : {}),
          }
        : {
            kind: 's3' as const,
            name: form.name.trim(),
            endpoint: form.endpoint.trim(),
            bucket: form.bucket.trim(),
            ...(form.prefix.trim() ? { prefix: form.prefix.trim() } : {}),
            accessKeyId: form.accessKeyId.trim(),
            secretAccessKey: form.secretAccessKey,
          };
    setBusy(true);
    void api
      .addBackupDestination(serverId, destination)
      .then(
        () => (setAdding(null), setForm(EMPTY), void load()),
        (e: unknown) => setError(errorText(toApiError(e))),
      )
      .finally(() => setBusy(false));
  };

  const remove = (id: string) =>
    void api.removeBackupDestination(serverId, id).then(
      () => void load(),
      (e: unknown) => setError(errorText(toApiError(e))),
    );

  return (
    <Panel
      title={t('backups.destinationsPanel.title')}
      className="mt-3"
      actions={
        <>
          <Button size="sm" onClick={() => (setAdding('sftp'), setForm(EMPTY))}>
            {t('backups.destinationsPanel.addSftp')}
          </Button>
          <Button size="sm" onClick={() => (setAdding('s3'), setForm(EMPTY))}>
            {t('backups.destinationsPanel.addS3')}
          </Button>
        </>
      }
    >
      <p className="mb-2 text-xs text-muted">{t('backups.destinationsPanel.hint')}</p>
      {error && <p className="text-xs text-danger">{error}</p>}
      {rows && (
        <ul className="divide-y divide-line text-xs" data-testid="backup-destinations">
          {rows.map((d) => (
            <li key={d.id} className="flex items-center justify-between py-1.5">
              <span>
                <span className="font-medium">{d.name}</span>{' '}
                <span className="font-mono text-muted">
                  {d.kind === 'sftp'
                    ? `sftp ${d.user}@${d.host}:${d.port}${d.path}`
                    : d.kind === 's3'
                      ? `s3 ${d.endpoint}/${d.bucket}${d.prefix ? `/${d.prefix}` : ''}`
                      : t('backups.destinationsPanel.local')}
                </span>
              </span>
              {d.kind !== 'local' && (
                <Button size="sm" variant="danger" onClick={() => remove(d.id)}>
                  {t('backups.destinationsPanel.remove')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {adding && (
        <div className="mt-3 grid grid-cols-2 gap-2 rounded border border-line p-3 text-xs">
          {field('name', t('backups.destinationsPanel.name'))}
          {adding === 'sftp' ? (
            <>
              {field('host', t('backups.destinationsPanel.host'))}
              {field('port', t('backups.destinationsPanel.port'))}
              {field('user', t('backups.destinationsPanel.user'))}
              {field('path', t('backups.destinationsPanel.path'))}
              {field('knownHosts', t('backups.destinationsPanel.knownHosts'))}
              <div className="col-span-2">
                {field('privateKey', t('backups.destinationsPanel.privateKey'))}
              </div>
            </>
          ) : (
            <>
              {field('endpoint', t('backups.destinationsPanel.endpoint'))}
              {field('bucket', t('backups.destinationsPanel.bucket'))}
              {field('prefix', t('backups.destinationsPanel.prefix'))}
              {field('accessKeyId', t('backups.destinationsPanel.accessKeyId'))}
              {field('secretAccessKey', t('backups.destinationsPanel.secretAccessKey'), true)}
            </>
          )}
          <div className="col-span-2 flex gap-2">
            <Button variant="primary" busy={busy} disabled={busy} onClick={submit}>
              {t('backups.destinationsPanel.add')}
            </Button>
            <Button disabled={busy} onClick={() => (setAdding(null), setForm(EMPTY))}>
              {t('backups.destinationsPanel.cancel')}
            </Button>
          </div>
        </div>
      )}
    </Panel>
  );
}
