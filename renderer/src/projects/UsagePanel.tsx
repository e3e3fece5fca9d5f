import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import type { ServiceStats } from '@contract/api';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { formatBytes, formatPercent } from '../i18n/format';
import { Panel } from '../ui/Panel';

/** Resource usage per service, refreshed while the tab is open. */
export function UsagePanel({ serverId, instanceId }: { serverId: string; instanceId: string }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [stats, setStats] = useState<ServiceStats[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.projectStats(serverId, instanceId).then(
        (s) => live && (setStats(s), setError(null)),
        (e: unknown) => live && setError(errorText(toApiError(e))),
      );
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, serverId, instanceId]);

  return (
    <Panel title={t('usage.title')}>
      {error && <p className="text-xs text-danger">{error}</p>}
      {!stats && !error && <p className="text-xs text-muted">{t('usage.reading')}</p>}
      {stats && stats.length === 0 && (
        <p className="text-xs text-muted">{t('usage.noContainer')}</p>
      )}
      {stats && stats.length > 0 && (
        <table className="w-full text-xs" data-testid="usage-table">
          <thead className="text-left text-muted">
            <tr>
              <th className="py-1 font-medium">{t('usage.service')}</th>
              <th className="font-medium">{t('usage.cpu')}</th>
              <th className="font-medium">{t('usage.memory')}</th>
              <th className="font-medium">{t('usage.network')}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {stats.map((s) => (
              <tr key={s.service}>
                <td className="py-1.5 font-medium">{s.service}</td>
                <td className="font-mono">{formatPercent(s.cpuPercent)}</td>
                <td className="font-mono">
                  {formatBytes(s.memoryBytes)}
                  <span className="text-muted"> / {formatBytes(s.memoryLimitBytes)}</span>
                </td>
                <td className="font-mono">
                  {formatBytes(s.networkRxBytes)} / {formatBytes(s.networkTxBytes)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
