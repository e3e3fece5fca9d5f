import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageSample } from '@contract/api';
import { i18n } from '../../i18n/i18n';
import { UsageHistoryView } from './UsageHistoryPanel';
import { usageSeries } from './usage-series';

const INTERVAL = 300_000;
const sample = (at: number, cpuPercent: number, memoryMb = 800): UsageSample => ({
  at,
  cpuPercent,
  memoryMb,
  netRxKb: 100,
  netTxKb: 50,
  diskMb: 0,
});

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('usage history series', () => {
  it('gives uPlot seconds and values, the peak with its time, and the latest value', () => {
    const t0 = Date.UTC(2026, 11, 1, 22, 0);
    const s = usageSeries(
      [sample(t0, 5), sample(t0 + INTERVAL, 93, 1200), sample(t0 + 2 * INTERVAL, 7)],
      INTERVAL,
    );
    expect(s.x).toEqual([t0 / 1000, t0 / 1000 + 300, t0 / 1000 + 600]);
    expect(s.values.cpuPercent).toEqual([5, 93, 7]);
    expect(s.peaks.cpuPercent).toEqual({ value: 93, at: t0 + INTERVAL });
    expect(s.peaks.memoryMb).toEqual({ value: 1200, at: t0 + INTERVAL });
    expect(s.latest.cpuPercent).toBe(7);
  });

  it('breaks the line where sampling stopped (project stopped, agent restarted)', () => {
    const s = usageSeries([sample(0, 1), sample(INTERVAL, 2), sample(10 * INTERVAL, 3)], INTERVAL);
    expect(s.values.cpuPercent).toEqual([1, 2, null, 3]);
    expect(s.x[2]).toBe((2 * INTERVAL) / 1000);
  });

  it('is empty without samples', () => {
    const s = usageSeries([], INTERVAL);
    expect(s.x).toEqual([]);
    expect(s.peaks.cpuPercent).toBeUndefined();
    expect(s.latest.memoryMb).toBeUndefined();
  });
});

describe('usage history view', () => {
  it('draws one labelled sparkline per metric (disk too) with its latest value and peak', () => {
    const t0 = Date.UTC(2026, 11, 1, 22, 0);
    const html = renderToStaticMarkup(
      <UsageHistoryView
        series={usageSeries([sample(t0, 12), sample(t0 + INTERVAL, 64)], INTERVAL)}
      />,
    );
    expect(html.match(/role="img"/g)).toHaveLength(5);
    expect(html).toContain('aria-label="Disk: database, Storage and files (hourly)"');
    expect(html).toContain('aria-label="CPU (average of each 5 minutes)"');
    expect(html).toContain('aria-label="Network out (per 5 minutes)"');
    expect(html).toMatch(/now 64(\.0)?%/);
    expect(html).toMatch(/peak 64(\.0)?% at /);
  });

  it('says why there is nothing yet, in Portuguese too', async () => {
    const empty = usageSeries([], INTERVAL);
    expect(renderToStaticMarkup(<UsageHistoryView series={empty} />)).toContain('No samples yet');
    await i18n.changeLanguage('pt-BR');
    expect(renderToStaticMarkup(<UsageHistoryView series={empty} />)).toContain(
      'Ainda não há amostras',
    );
  });
});
