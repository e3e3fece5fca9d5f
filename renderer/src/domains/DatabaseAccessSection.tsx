import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DatabaseAccessView } from '@contract/api';
import { toApiError, type ApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { Button } from '../ui/Button';
import { CopyButton } from '../ui/CopyButton';

/**
 * Postgres over the internet, per project and off by default: turning it on takes a clear
 * confirmation (anyone may then try the database password), and it is only ever TLS with the
 * certificate of one of the project's domains. Turning it off puts Postgres back on 127.0.0.1.
 */
export function DatabaseAccessSection({
  serverId,
  instanceId,
  hasDomain,
}: {
  serverId: string;
  instanceId: string;
  hasDomain: boolean;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [access, setAccess] = useState<DatabaseAccessView | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    try {
      setAccess(await api.projectDatabaseAccess(serverId, instanceId));
    } catch (raw) {
      setError(toApiError(raw));
    }
  }, [api, serverId, instanceId]);
  useEffect(() => void load(), [load]);

  async function set(enabled: boolean) {
    setBusy(true);
    setError(null);
    try {
      setAccess(await api.setProjectDatabaseAccess(serverId, instanceId, enabled));
      setConfirming(false);
    } catch (raw) {
      setError(toApiError(raw));
    } finally {
      setBusy(false);
    }
  }

  if (!access) return null;
  return (
    <section className="mt-4 border-t border-border pt-3 text-[13px]" data-testid="database-access">
      <h3 className="font-medium">{t('domains.database.title')}</h3>
      {access.enabled ? (
        <>
          <p className="mt-1 text-warn">
            {t('domains.database.on', { hostname: access.hostname ?? '', port: access.port })}
          </p>
          <div className="mt-1 flex items-center gap-2 text-xs">
            <code className="font-mono break-all">{access.uri}</code>
            <CopyButton value={access.uri ?? ''} />
          </div>
          <p className="mt-1 text-xs text-muted">{t('domains.database.verifyHint')}</p>
          <Button size="sm" className="mt-2" busy={busy} onClick={() => void set(false)}>
            {t('domains.database.turnOff')}
          </Button>
        </>
      ) : (
        <>
          <p className="mt-1 text-muted">{t('domains.database.off', { port: access.port })}</p>
          {!confirming ? (
            <Button
              size="sm"
              className="mt-2"
              disabled={!hasDomain}
              title={hasDomain ? undefined : t('domains.database.needsDomain')}
              onClick={() => setConfirming(true)}
            >
              {t('domains.database.turnOn')}
            </Button>
          ) : (
            <div className="mt-2 rounded border border-warn p-2" role="alertdialog">
              <p className="text-warn">{t('domains.database.warning')}</p>
              <div className="mt-2 flex gap-2">
                <Button size="sm" variant="primary" busy={busy} onClick={() => void set(true)}>
                  {t('domains.database.confirm')}
                </Button>
                <Button size="sm" onClick={() => setConfirming(false)}>
                  {t('domains.database.cancel')}
                </Button>
              </div>
            </div>
          )}
        </>
      )}
      {error && (
        <p className="mt-1 text-danger" role="alert">
          {errorText(error)}
        </p>
      )}
    </section>
  );
}
