import { useState } from 'react';
import type { InstanceCredentials } from '../../../electron/src/contract/api';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { CopyButton } from '../ui/CopyButton';
import { Panel } from '../ui/Panel';

const ROWS: [keyof InstanceCredentials, string][] = [
  ['databaseUrl', 'Database URL (session)'],
  ['poolerTransactionUrl', 'Pooler URL (transaction)'],
  ['anonKey', 'anon key'],
  ['serviceRoleKey', 'service_role key'],
  ['postgresPassword', 'Postgres password'],
  ['jwtSecret', 'JWT secret'],
  ['dashboardUsername', 'Studio user'],
  ['dashboardPassword', 'Studio password'],
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
      toast({ kind: 'error', title: 'Could not read credentials', body: toApiError(raw).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Panel
      title="Credentials"
      actions={
        !creds && (
          <Button size="sm" busy={busy} onClick={() => void load()}>
            Load credentials
          </Button>
        )
      }
    >
      {!creds ? (
        <p className="text-xs text-muted">
          Keys and passwords are fetched from the server only when you ask for them.
        </p>
      ) : (
        <dl className="flex flex-col divide-y divide-line" data-testid="credentials">
          {ROWS.map(([key, label]) => {
            const visible = shown.has(key);
            return (
              <div key={key} className="grid grid-cols-[170px_1fr_auto] items-center gap-3 py-1.5">
                <dt className="text-xs text-muted">{label}</dt>
                <dd className="truncate font-mono text-xs" data-secret={key}>
                  {visible ? creds[key] : '•'.repeat(24)}
                </dd>
                <div className="flex gap-1">
                  <button
                    type="button"
                    aria-label={`${visible ? 'Hide' : 'Reveal'} ${label}`}
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
                    {visible ? 'Hide' : 'Reveal'}
                  </button>
                  <CopyButton value={creds[key]} label={`Copy ${label}`} />
                </div>
              </div>
            );
          })}
        </dl>
      )}
    </Panel>
  );
}
