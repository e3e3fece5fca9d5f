import type { AlertEvent, AlertKind } from '@protocol/alerts';
import { CATALOGS, fill, type AlertLanguage } from './catalog';

/** One event as a person reads it. */
export interface RenderedItem {
  /** Absent for a test message. */
  kind?: AlertKind;
  heading: string;
  /** Label and value pairs: server, project, what happened, since, tried, next step. */
  fields: { label: string; value: string }[];
}

export interface RenderedMessage {
  title: string;
  server: string;
  items: RenderedItem[];
  /** How many events were left out of `items` (long groups are cut for chat formats). */
  omitted: number;
  /** The whole message as plain text. */
  text: string;
  severity: 'critical' | 'warning' | 'info';
}

export interface RenderContext {
  language: AlertLanguage;
  server: string;
}

/** Items shown per message; the rest are counted ("…and 12 more"). */
export const MAX_ITEMS = 25;

/** An unambiguous UTC time for people in any zone: 2026-12-02 03:04 UTC. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

function renderItem(event: AlertEvent, ctx: RenderContext): RenderedItem {
  const cat = CATALOGS[ctx.language];
  const k = cat.kinds[event.kind];
  const values = { project: event.project ?? event.instanceId ?? '', ...(event.facts ?? {}) };
  const fields: RenderedItem['fields'] = [{ label: cat.labels.server, value: ctx.server }];
  if (event.project) fields.push({ label: cat.labels.project, value: event.project });
  if (event.detail) fields.push({ label: cat.labels.what, value: event.detail });
  fields.push({ label: cat.labels.since, value: formatTime(event.since ?? event.at) });
  if (typeof event.facts?.downtimeSeconds === 'number') {
    fields.push({
      label: cat.labels.downtime,
      value: formatDuration(event.facts.downtimeSeconds),
    });
  }
  if (event.tried?.length) fields.push({ label: cat.labels.tried, value: event.tried.join('; ') });
  fields.push({ label: cat.labels.next, value: k.next });
  return { kind: event.kind, heading: fill(k.one, values), fields };
}

const RANK = { critical: 2, warning: 1, info: 0 } as const;

/** The message for a group of events (one channel, one send), in the server's language. */
export function renderMessage(
  events: readonly AlertEvent[],
  ctx: RenderContext,
  severityOf: (kind: AlertKind) => 'critical' | 'warning' | 'info',
): RenderedMessage {
  const cat = CATALOGS[ctx.language];
  const shown = events.slice(0, MAX_ITEMS).map((e) => renderItem(e, ctx));
  const kinds = [...new Set(events.map((e) => e.kind))];
  let title: string;
  if (events.length === 1) title = shown[0]!.heading;
  else if (kinds.length === 1) title = fill(cat.kinds[kinds[0]!].many, { n: events.length });
  else title = fill(cat.labels.alerts, { n: events.length });
  const omitted = events.length - shown.length;
  const blocks = shown.map((item) =>
    [item.heading, ...item.fields.map((f) => `  ${f.label}: ${f.value}`)].join('\n'),
  );
  if (omitted > 0) blocks.push(fill(cat.labels.more, { n: omitted }));
  const severity = events
    .map((e) => severityOf(e.kind))
    .reduce<'critical' | 'warning' | 'info'>((a, b) => (RANK[b] > RANK[a] ? b : a), 'info');
  return {
    title,
    server: ctx.server,
    items: shown,
    omitted,
    text: `${title}\n${cat.labels.server}: ${ctx.server}\n\n${blocks.join('\n\n')}\n`,
    severity,
  };
}

export function testMessage(ctx: RenderContext, at: string): RenderedMessage {
  const cat = CATALOGS[ctx.language];
  const fields = [
    { label: cat.labels.server, value: ctx.server },
    { label: cat.labels.since, value: formatTime(at) },
  ];
  return {
    title: cat.labels.testTitle,
    server: ctx.server,
    items: [{ heading: cat.labels.testBody, fields }],
    omitted: 0,
    text: `${cat.labels.testTitle}\n${cat.labels.testBody}\n${cat.labels.server}: ${ctx.server}\n`,
    severity: 'info',
  };
}
