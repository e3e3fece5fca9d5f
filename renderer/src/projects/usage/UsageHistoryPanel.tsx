import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { toApiError } from '../../api';
import { useApp } from '../../app/store';
import { errorText } from '../../i18n/error-messages';
import { formatDateTime, formatMb, formatPercent } from '../../i18n/format';
import { Panel } from '../../ui/Panel';
import { CHARTED, usageSeries, type Charted, type UsageSeries } from './usage-series';

const WEEK_MS = 7 * 24 * 3600_000;
const STROKE: Record<Charted, string> = {
  cpuPercent: '#3ecf8e',
  memoryMb: '#6e8efb',
  netRxKb: '#f5a623',
  netTxKb: '#d46bd4',
  diskMb: '#9aa0a6',
};

/** The agent's usage history of the project (7 days), one sparkline per metric. */
export function UsageHistoryPanel({
  serverId,
  instanceId,
}: {
  serverId: string;
  instanceId: string;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [series, setSeries] = useState<UsageSeries | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.projectUsageHistory(serverId, instanceId, Date.now() - WEEK_MS).then(
        (h) => live && (setSeries(usageSeries(h.samples, h.intervalMs)), setError(null)),
        (e: unknown) => live && setError(errorText(toApiError(e))),
      );
    void load();
    const timer = setInterval(() => void load(), 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, serverId, instanceId]);
  return (
    <Panel title={t('capacity.history.title')}>
      {error && <p className="text-xs text-danger">{error}</p>}
      {!series && !error && <p className="text-xs text-muted">{t('capacity.history.reading')}</p>}
      {series && <UsageHistoryView series={series} />}
    </Panel>
  );
}

function formatted(metric: Charted, value: number): string {
  if (metric === 'cpuPercent') return formatPercent(value);
  if (metric === 'memoryMb' || metric === 'diskMb') return formatMb(value);
  return `${formatMb(value / 1024)}`;
}

/** The sparklines from one history: what the component tests render. */
export function UsageHistoryView({ series }: { series: UsageSeries }) {
  const { t } = useTranslation();
  if (series.x.length === 0) {
    return <p className="text-xs text-muted">{t('capacity.history.none')}</p>;
  }
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2" data-testid="usage-history">
      {CHARTED.map((metric) => {
        const peak = series.peaks[metric];
        const latest = series.latest[metric];
        const label = t(`capacity.history.metric.${metric}`);
        return (
          <figure key={metric} className="flex flex-col gap-1">
            <figcaption className="flex justify-between text-xs">
              <span className="font-medium">{label}</span>
              <span className="text-muted">
                {latest !== undefined &&
                  t('capacity.history.now', { value: formatted(metric, latest) })}
                {peak &&
                  ` · ${t('capacity.history.peak', {
                    value: formatted(metric, peak.value),
                    at: formatDateTime(new Date(peak.at).toISOString()),
                  })}`}
              </span>
            </figcaption>
            <Sparkline
              x={series.x}
              y={series.values[metric]}
              stroke={STROKE[metric]}
              label={label}
            />
          </figure>
        );
      })}
    </div>
  );
}

/** One uPlot line without axes or legend, as wide as its box. */
function Sparkline({
  x,
  y,
  stroke,
  label,
}: {
  x: number[];
  y: (number | null)[];
  stroke: string;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot(
      {
        width: el.clientWidth || 300,
        height: 48,
        legend: { show: false },
        cursor: { show: false },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: true } },
        series: [{}, { stroke, width: 1.5, fill: `${stroke}22`, spanGaps: false }],
      },
      [x, y],
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: el.clientWidth || 300, height: 48 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, y, stroke]);
  return <div ref={box} role="img" aria-label={label} className="h-12 w-full" />;
}
