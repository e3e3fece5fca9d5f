import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServerCapacity } from '@contract/api';
import { useApp } from '../app/store';
import { formatMb } from '../i18n/format';
import { Meter, Panel } from '../ui/Panel';

/**
 * What the projects' limits commit against physical memory (times the overcommit the agent
 * allows), projects per size, how many more of each size fit, networks and ports left.
 */
export function CapacityPanel({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [capacity, setCapacity] = useState<ServerCapacity | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.serverCapacity(serverId).then(
        (c) => live && setCapacity(c),
        // An older agent has no capacity accounting: the panel stays in its reading state.
        () => undefined,
      );
    void load();
    const timer = setInterval(() => void load(), 30_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, serverId]);

  return (
    <Panel title={t('capacity.title')} className="xl:col-span-3">
      {capacity ? (
        <CapacityView capacity={capacity} />
      ) : (
        <p className="text-xs text-muted">{t('capacity.reading')}</p>
      )}
    </Panel>
  );
}

/** The panel's body from one `system.capacity` answer: what the component tests render. */
export function CapacityView({ capacity }: { capacity: ServerCapacity }) {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col gap-4" data-testid="capacity-panel">
      <Meter
        label={t('capacity.committed')}
        used={capacity.memoryCommittedMb}
        total={capacity.memoryAllowedMb}
        detail={t('capacity.committedDetail', {
          committed: formatMb(capacity.memoryCommittedMb),
          allowed: formatMb(capacity.memoryAllowedMb),
          total: formatMb(capacity.memoryTotalMb),
          ratio: capacity.overcommit,
        })}
      />
      <Meter
        label={t('capacity.networks')}
        used={capacity.networks.used}
        total={capacity.networks.capacity}
        detail={t('capacity.networksDetail', {
          used: capacity.networks.used,
          capacity: capacity.networks.capacity,
          pool: capacity.networks.pool,
        })}
      />
      <div className="grid grid-cols-3 gap-3">
        {(['small', 'medium', 'large'] as const).map((size) => (
          <div key={size} className="rounded-md border border-line bg-bg px-3 py-2">
            <div className="text-[11px] text-muted">{t(`capacity.size.${size}`)}</div>
            <div className="text-lg font-semibold" data-testid={`fits-${size}`}>
              {t('capacity.fitMore', { count: capacity.fits[size] })}
            </div>
            <div className="text-[11px] text-muted">
              {t('capacity.running', { count: capacity.projectsBySize[size] })}
            </div>
          </div>
        ))}
      </div>
      <p className="text-xs text-muted">
        {t('capacity.portsLeft', {
          ports: Object.values(capacity.portsLeft).reduce((min, n) => Math.min(min, n), Infinity),
        })}
      </p>
      {capacity.disk && capacity.disk.length > 0 && (
        <div className="flex flex-col gap-1" data-testid="capacity-disk">
          <div className="text-xs font-medium">{t('capacity.diskTitle')}</div>
          <ul className="flex flex-col divide-y divide-line text-xs">
            {capacity.disk.slice(0, 8).map((p) => (
              <li key={p.id} className="flex justify-between py-1">
                <span>{p.name}</span>
                <span className="font-mono text-muted">{formatMb(p.diskMb)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
