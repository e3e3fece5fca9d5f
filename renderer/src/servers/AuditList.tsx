import type { AuditEntry } from '../../../electron/src/contract/api';
import { timeAgo } from '../ui/format';

export function AuditList({ entries }: { entries: AuditEntry[] | undefined }) {
  if (!entries) return <p className="text-xs text-muted">Loading…</p>;
  if (entries.length === 0) return <p className="text-xs text-muted">Nothing recorded yet.</p>;
  return (
    <ol className="flex flex-col divide-y divide-line" aria-label="Audit log">
      {entries.map((e) => (
        <li key={e.seq} className="flex items-center gap-3 py-1.5 text-xs">
          <span
            className={`size-1.5 shrink-0 rounded-full ${e.result === 'ok' ? 'bg-emerald-500' : 'bg-red-500'}`}
          />
          <span className="w-20 shrink-0 truncate font-medium">{e.actor}</span>
          <span className="min-w-0 flex-1 truncate font-mono">
            {e.action}
            {e.target ? ` ${e.target}` : ''}
            {e.code ? ` → ${e.code}` : ''}
          </span>
          <time dateTime={e.at} title={e.at} className="shrink-0 text-muted">
            {timeAgo(e.at)}
          </time>
        </li>
      ))}
    </ol>
  );
}
