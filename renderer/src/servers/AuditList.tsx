import type { AuditEntry } from '@contract/api';
import { useTranslation } from 'react-i18next';
import { formatDateTime, timeAgo } from '../i18n/format';

export function AuditList({ entries }: { entries: AuditEntry[] | undefined }) {
  const { t, i18n } = useTranslation();
  // A readable verb for the actions the catalogue knows; the raw RPC name for new ones.
  const action = (raw: string): string => {
    const key = `audit.actions.${raw.replace(/\./g, '_')}`;
    return i18n.exists(key) ? String(t(key as 'audit.actions.auth_login')) : raw;
  };
  if (!entries) return <p className="text-xs text-muted">{t('common.loading')}</p>;
  if (entries.length === 0) return <p className="text-xs text-muted">{t('audit.empty')}</p>;
  return (
    <ol className="flex flex-col divide-y divide-line" aria-label={t('audit.label')}>
      {entries.map((e) => (
        <li key={e.seq} className="flex items-center gap-3 py-1.5 text-xs">
          <span
            className={`size-1.5 shrink-0 rounded-full ${e.result === 'ok' ? 'bg-emerald-500' : 'bg-red-500'}`}
          />
          <span className="w-20 shrink-0 truncate font-medium">{e.actor}</span>
          <span className="min-w-0 flex-1 truncate" title={e.action}>
            {action(e.action)}
            {e.target ? ` ${e.target}` : ''}
            {e.code ? ` → ${e.code}` : ''}
          </span>
          <time dateTime={e.at} title={formatDateTime(e.at)} className="shrink-0 text-muted">
            {timeAgo(e.at)}
          </time>
        </li>
      ))}
    </ol>
  );
}
