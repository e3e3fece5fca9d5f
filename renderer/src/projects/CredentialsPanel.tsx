import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import type { InstanceCredentials } from '@contract/api';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { CopyButton } from '../ui/CopyButton';
import { Panel } from '../ui/Panel';

const ROWS: (keyof InstanceCredentials)[] = [
  'databaseUrl',
  'poolerTransactionUrl',
  'anonKey',
  'serviceRoleKey',
  'postgresPassword',
  'jwtSecret',
  'dashboardUsername',
  'dashboardPassword',
];

/**
 * Secrets are fetched only when asked for and kept in this component's state, never in the
 * store, so they leave memory when the page closes.
 */
export function CredentialsPanel({
  serverId,
  instanceId,
}: {
  serverId: string;
  instanceId: string;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const toast = useApp((s) => s.toast);
  const [creds, setCreds] = useState<InstanceCredentials | null>(null);
  const [shown, setShown] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);

  async function load() {
    setBusy(true);
    try {
      setCreds(await api.projectCredentials(serverId, instanceId));
    } catch (raw) {
      toast({
        kind: 'error',
        title: t('credentials.failed'),
        body: errorText(toApiError(raw)),
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Panel
      title={t('credentials.title')}
      actions={
        !creds && (
          <Button size="sm" busy={busy} onClick={() => void load()}>
            {t('credentials.load')}
          </Button>
        )
      }
    >
      {!creds ? (
        <p className="text-xs text-muted">{t('credentials.hint')}</p>
      ) : (
        <dl className="flex flex-col divide-y divide-line" data-testid="credentials">
          {ROWS.map((key) => {
            const label = t(`credentials.rows.${key}`);
            const visible = shown.has(key);
            return (
              <div key={key} className="grid grid-cols-[170px_1fr_auto] items-center gap-3 py-1.5">
                <dt className="text-xs text-muted">{label}</dt>
                <dd className="truncate font-mono text-xs" data-secret={key}>
                  {visible ? creds[key] : '•'.repeat(24)}
                </dd>
                {/* The actions are a second dd: a dl's groups hold only dt and dd. */}
                <dd className="flex gap-1">
                  <button
                    type="button"
                    aria-label={
                      visible
                        ? t('credentials.hideLabel', { label })
                        : t('credentials.revealLabel', { label })
                    }
                    className="rounded px-1.5 py-0.5 text-xs text-muted hover:bg-raised hover:text-fg"
                    onClick={() =>
                      setShown((s) => {
                        const next = new Set(s);
                        if (visible) next.delete(key);
                        else next.add(key);
                        return next;
                      })
                    }
                  >
                    {visible ? t('credentials.hide') : t('credentials.reveal')}
                  </button>
                  <CopyButton value={creds[key]} label={t('credentials.copyLabel', { label })} />
                </dd>
              </div>
            );
          })}
        </dl>
      )}
    </Panel>
  );
}
