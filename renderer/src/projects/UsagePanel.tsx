import { useEffect, useState } from 'react';
import type { ServiceStats } from '../../../electron/src/contract/api';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { formatBytes } from '../ui/format';
import { Panel } from '../ui/Panel';

/** Resource usage per service, refreshed while the tab is open. */
export function UsagePanel({ serverId, instanceId }: { serverId: string; instanceId: string }) {
  const api = useApp((s) => s.api);
  const [stats, setStats] = useState<ServiceStats[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.projectStats(serverId, instanceId).then(
        (s) => live && (setStats(s), setError(null)),
        (e: unknown) => live && setError(toApiError(e).message),
      );
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, serverId, instanceId]);

  return (
    <Panel title="Resource usage">
      {error && <p className="text-xs text-danger">{error}</p>}
      {!stats && !error && <p className="text-xs text-muted">Reading container stats…</p>}
      {stats && stats.length === 0 && (
        <p className="text-xs text-muted">No container is running.</p>
      )}
      {stats && stats.length > 0 && (
        <table className="w-full text-xs" data-testid="usage-table">
          <thead className="text-left text-muted">
            <tr>
              <th className="py-1 font-medium">Service</th>
              <th className="font-medium">CPU</th>
              <th className="font-medium">Memory</th>
              <th className="font-medium">Net in / out</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {stats.map((s) => (
              <tr key={s.service}>
                <td className="py-1.5 font-medium">{s.service}</td>
                <td className="font-mono">{s.cpuPercent.toFixed(1)}%</td>
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
