import type { ReactNode } from 'react';

export function Panel({
  title,
  actions,
  children,
  className = '',
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`rounded-lg border border-line bg-panel ${className}`}>
      {(title || actions) && (
        <header className="flex items-center justify-between gap-2 border-b border-line px-4 py-2.5">
          <h3 className="text-[13px] font-semibold">{title}</h3>
          <div className="flex items-center gap-2">{actions}</div>
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

export function PageHeader({
  title,
  subtitle,
  actions,
  sticky = true,
  subtitleTitle,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  /** Detail on hover for the subtitle (an internal id that should not take prime space). */
  subtitleTitle?: string;
  actions?: ReactNode;
  /** Off when a parent makes the header sticky together with something under it (tabs). */
  sticky?: boolean;
}) {
  // shrink-0: in the page's column flex a long body squashed the header (55 px instead of 67).
  // Sticky: the actions (Stop, Delete…) stay at hand on long pages.
  return (
    <div
      className={`flex min-h-14 shrink-0 items-center justify-between gap-4 border-b border-line bg-panel px-6 py-3 ${sticky ? 'sticky top-0 z-10' : ''}`}
    >
      <div className="min-w-0">
        <h1 className="truncate text-[17px] font-semibold">{title}</h1>
        {subtitle && (
          <div className="truncate text-xs text-muted" title={subtitleTitle}>
            {subtitle}
          </div>
        )}
      </div>
      <div className="flex shrink-0 items-center gap-2">{actions}</div>
    </div>
  );
}

export function Meter({
  label,
  used,
  total,
  detail,
}: {
  label: string;
  used: number;
  total: number;
  detail: string;
}) {
  const pct = total > 0 ? Math.min(100, Math.round((used / total) * 100)) : 0;
  const tone = pct > 90 ? 'bg-red-500' : pct > 70 ? 'bg-amber-500' : 'bg-brand';
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex justify-between text-xs">
        <span className="font-medium">{label}</span>
        <span className="text-muted">{detail}</span>
      </div>
      <div
        className="h-1.5 overflow-hidden rounded-full bg-raised"
        role="meter"
        aria-label={label}
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div className={`h-full rounded-full ${tone}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
