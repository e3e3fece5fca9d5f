import { useTranslation } from 'react-i18next';
import type { ServerView } from '@contract/api';
import { recoveryLine } from './recovery';

/**
 * "Bringing projects back: 12 of 80 (databases first)" with a bar, while the server's agent
 * brings projects back after a reboot or an engine restart (its `agent.recovery` events).
 */
export function RecoveryBanner({
  server,
  showName = false,
}: {
  server: Pick<ServerView, 'name' | 'recovery'>;
  /** On the projects page, which server the banner is about. */
  showName?: boolean;
}) {
  const { t } = useTranslation();
  const line = recoveryLine(server.recovery);
  if (!line) return null;
  const text = t(`recovery.${line.key}`, { done: line.done, total: line.total });
  return (
    <div
      role="status"
      data-testid="recovery-banner"
      className="flex flex-col gap-1.5 rounded-md border border-brand/40 bg-brand/10 px-4 py-3"
    >
      <p className="text-sm font-medium">
        {showName ? `${server.name}: ${text}` : text}
        {line.failed > 0 && (
          <span className="ml-2 text-danger">{t('recovery.failed', { count: line.failed })}</span>
        )}
      </p>
      <div
        className="h-1.5 overflow-hidden rounded-full bg-raised"
        role="progressbar"
        aria-label={t('recovery.title')}
        aria-valuenow={line.percent}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div className="h-full rounded-full bg-brand" style={{ width: `${line.percent}%` }} />
      </div>
    </div>
  );
}
