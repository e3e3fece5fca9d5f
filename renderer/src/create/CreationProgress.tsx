import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import { projectKey } from '../api';
import { useApp } from '../app/store';
import { Button, Spinner } from '../ui/Button';
import { summarizeProgress, type StepState } from './progressSummary';

const HEALTH_KEYS = { healthy: 1, unhealthy: 1, starting: 1, none: 1 };
type HealthKey = keyof typeof HEALTH_KEYS;

const MARK: Record<StepState, string> = { pending: '○', active: '', done: '✓', failed: '✕' };
const TONE: Record<StepState, string> = {
  pending: 'text-muted',
  active: 'text-fg font-medium',
  done: 'text-fg',
  failed: 'text-danger font-medium',
};

/** Live creation progress: steps, image pulls, services turning healthy, failure with logs. */
export function CreationProgress({
  serverId,
  instanceId,
}: {
  serverId: string;
  instanceId: string;
}) {
  const { t } = useTranslation();
  const key = projectKey(serverId, instanceId);
  const events = useApp((s) => s.progress[key]);
  const project = useApp((s) => s.projects[key]);
  const summary = useMemo(() => summarizeProgress(events ?? []), [events]);
  const failure = summary.failure ?? (project?.status === 'failed' ? project.error : undefined);
  const cancelled = failure?.code === 'CANCELLED';
  const cancelling = useApp((s) => s.cancellingCreations[key] === true);
  const cancelCreation = useApp((s) => s.cancelCreation);
  const cancellable =
    !summary.finished && (project?.status === 'queued' || project?.status === 'creating');

  return (
    <div
      className="flex flex-col gap-4"
      data-testid="creation-progress"
      data-finished={summary.finished}
      data-succeeded={summary.succeeded}
    >
      {summary.queuePosition !== undefined && summary.queuePosition > 0 && !summary.finished && (
        <p className="rounded-md bg-sky-500/10 px-3 py-2 text-xs text-sky-700 dark:text-sky-300">
          {t('create.queue', { count: summary.queuePosition })}
        </p>
      )}
      <ol className="flex flex-col gap-1.5" aria-label={t('create.stepsLabel')}>
        {summary.steps.map((s) => (
          <li
            key={s.step}
            data-step={s.step}
            data-state={s.state}
            className={`flex items-center gap-2.5 ${TONE[s.state]}`}
          >
            <span
              className={`flex w-4 justify-center ${s.state === 'done' ? 'text-brand' : ''}`}
              aria-hidden
            >
              {s.state === 'active' ? <Spinner className="text-brand" /> : MARK[s.state]}
            </span>
            <span>{t(`create.steps.${s.step}`)}</span>
            {s.message && s.state !== 'pending' && (
              <span className="truncate text-xs text-muted">· {s.message}</span>
            )}
          </li>
        ))}
      </ol>
      {summary.images.length > 0 && (
        <div className="flex flex-col gap-1.5" aria-label={t('create.imagePulls')}>
          <h4 className="text-xs font-semibold text-muted">{t('create.images')}</h4>
          {summary.images.map((i) => (
            <div
              key={i.image}
              className="grid grid-cols-[1fr_120px_40px] items-center gap-3 text-xs"
            >
              <span className="truncate font-mono">{i.image}</span>
              <span className="h-1.5 overflow-hidden rounded-full bg-raised">
                <span
                  className="block h-full bg-brand transition-[width]"
                  style={{ width: `${i.percent}%` }}
                />
              </span>
              <span className="text-right text-muted">{i.percent}%</span>
            </div>
          ))}
        </div>
      )}
      {summary.services.length > 0 && (
        <div className="flex flex-wrap gap-1.5" aria-label={t('create.serviceHealth')}>
          {summary.services.map((s) => (
            <span
              key={s.service}
              className={`rounded-full px-2 py-0.5 text-[11px] ring-1 ring-inset ${
                s.health === 'healthy'
                  ? 'text-emerald-700 ring-emerald-500/40 dark:text-emerald-400'
                  : s.health === 'unhealthy'
                    ? 'text-danger ring-red-500/40'
                    : 'text-muted ring-line'
              }`}
            >
              {s.service} ·{' '}
              {s.health in HEALTH_KEYS ? t(`health.${s.health as HealthKey}`) : s.health}
            </span>
          ))}
        </div>
      )}
      {cancellable && (
        <div className="flex items-center justify-end gap-2">
          {cancelling && <span className="text-xs text-muted">{t('create.cancelling')}</span>}
          <Button
            size="sm"
            busy={cancelling}
            onClick={() => void cancelCreation(serverId, instanceId)}
            data-testid="cancel-creation"
          >
            {t('create.cancelCreation')}
          </Button>
        </div>
      )}
      {failure && cancelled && (
        <div role="status" className="rounded-md border border-line bg-raised px-3 py-2">
          <p className="font-medium">{t('create.cancelled')}</p>
          <p className="text-xs text-muted">{t('create.cancelledDetail')}</p>
        </div>
      )}
      {failure && !cancelled && (
        <div
          role="alert"
          className="rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-danger"
        >
          <p className="font-medium">
            {'reason' in failure
              ? failure.reason
              : failure.message
                ? errorText(failure)
                : t('create.stepFailed')}
          </p>
          <p className="text-xs">{t('create.rolledBack', { code: failure.code })}</p>
          {project?.error?.logs && project.error.logs.length > 0 && (
            <pre className="mt-2 max-h-40 overflow-auto rounded bg-black/80 p-2 font-mono text-[11px] text-zinc-200">
              {project.error.logs.join('\n')}
            </pre>
          )}
        </div>
      )}
    </div>
  );
}
