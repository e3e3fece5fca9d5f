import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkAction, ProjectView } from '@contract/api';
import { BULK_ACTIONS } from '@protocol/bulk';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { errorText } from '../i18n/error-messages';
import { bulkPlan } from './bulkSlice';

/** The bar over the table while projects are selected: the four bulk actions. */
export function BulkBar({
  selected,
  onClear,
}: {
  selected: readonly ProjectView[];
  onClear: () => void;
}) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState<BulkAction | null>(null);
  if (selected.length === 0) return null;
  return (
    <div
      className="mx-6 mt-3 flex shrink-0 flex-wrap items-center gap-2 rounded-md border border-brand/40 bg-brand/5 px-3 py-2 text-xs"
      data-testid="bulk-bar"
      role="toolbar"
      aria-label={t('fleet.bulk.selected', { count: selected.length })}
    >
      <span className="font-medium">{t('fleet.bulk.selected', { count: selected.length })}</span>
      {BULK_ACTIONS.map((action) => (
        <Button key={action} size="sm" onClick={() => setAsking(action)}>
          {t(`fleet.bulk.${action}`)}
        </Button>
      ))}
      <span className="flex-1" />
      <Button size="sm" variant="ghost" onClick={onClear}>
        {t('fleet.bulk.clear')}
      </Button>
      {asking && (
        <BulkConfirmDialog
          action={asking}
          projects={selected}
          onClose={() => setAsking(null)}
          onDone={onClear}
        />
      )}
    </div>
  );
}

/** Lists what will happen to each project (run, or skipped and why) before anything does. */
function BulkConfirmDialog({
  action,
  projects,
  onClose,
  onDone,
}: {
  action: BulkAction;
  projects: readonly ProjectView[];
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const startBulk = useApp((s) => s.startBulk);
  const plan = useMemo(() => bulkPlan(action, projects), [action, projects]);
  const runnable = plan.filter((p) => !p.skip).map((p) => p.project);
  return (
    <Dialog
      title={t(`fleet.bulk.confirmTitle.${action}`, { count: projects.length })}
      onClose={onClose}
      testId="bulk-confirm"
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            variant={action === 'stop' ? 'danger' : 'primary'}
            disabled={runnable.length === 0}
            onClick={() => {
              onClose();
              onDone();
              void startBulk(action, runnable);
            }}
          >
            {t(`fleet.bulk.confirm.${action}`, { count: runnable.length })}
          </Button>
        </>
      }
    >
      <p className="mb-3 text-xs text-muted">
        {runnable.length === 0 ? t('fleet.bulk.nothingToDo') : t('fleet.bulk.confirmBody')}
      </p>
      <ul className="max-h-72 divide-y divide-line overflow-auto text-xs" data-testid="bulk-plan">
        {plan.map(({ project: p, skip }) => (
          <li key={`${p.serverId}/${p.id}`} className="flex justify-between gap-3 py-1.5">
            <span className="truncate">
              <span className="font-medium">{p.name}</span>
              <span className="text-muted"> · {p.serverName}</span>
            </span>
            <span className={skip ? 'text-muted' : ''}>
              {skip
                ? t('fleet.bulk.willSkip', { reason: t(`fleet.bulk.skip.${skip}`) })
                : t(`fleet.bulk.willRun.${action}`)}
            </span>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** Per-item progress of the bulk jobs this window began, and what failed once they end. */
export function BulkProgress() {
  const { t } = useTranslation();
  const jobs = useApp((s) => s.bulkJobs);
  const dismiss = useApp((s) => s.dismissBulkJobs);
  const list = Object.values(jobs);
  if (list.length === 0) return null;
  const failures = list.flatMap((j) =>
    j.items.filter((i) => i.status === 'failed').map((i) => ({ job: j, item: i })),
  );
  return (
    <section
      aria-label={t('fleet.bulk.progressTitle')}
      aria-live="polite"
      data-testid="bulk-progress"
      className="mx-6 mt-3 shrink-0 rounded-md border border-line bg-panel px-3 py-2 text-xs"
    >
      <div className="flex items-center gap-2">
        <h2 className="font-semibold">{t('fleet.bulk.progressTitle')}</h2>
        <span className="flex-1" />
        {list.some((j) => j.finishedAt !== undefined) && (
          <Button size="sm" variant="ghost" onClick={dismiss}>
            {t('fleet.bulk.dismiss')}
          </Button>
        )}
      </div>
      {list.map((j) => {
        const finished = j.done + j.failed + j.skipped;
        return (
          <div
            key={`${j.serverId}/${j.id}`}
            className="mt-1.5"
            data-testid="bulk-job"
            data-finished={j.finishedAt !== undefined ? 'true' : 'false'}
          >
            <div className="flex justify-between gap-3">
              <span>
                {t('fleet.bulk.progress', {
                  server: j.serverName,
                  action: t(`fleet.bulk.${j.action}`),
                  finished,
                  total: j.total,
                })}
              </span>
              <span className={j.failed > 0 ? 'text-danger' : 'text-muted'}>
                {t('fleet.bulk.summary', { done: j.done, failed: j.failed, skipped: j.skipped })}
              </span>
            </div>
            <progress
              className="mt-1 h-1.5 w-full accent-brand"
              max={Math.max(1, j.total)}
              value={finished}
              aria-label={j.serverName}
            />
          </div>
        );
      })}
      {failures.length > 0 && (
        <div className="mt-2" data-testid="bulk-failures">
          <h3 className="font-medium text-danger">{t('fleet.bulk.failures')}</h3>
          <ul className="mt-1 flex flex-col gap-0.5">
            {failures.map(({ job, item }) => (
              <li key={`${job.serverId}/${job.id}/${item.instanceId}`}>
                <span className="font-medium">{item.name}</span>
                <span className="text-muted"> · {job.serverName} · </span>
                <span title={item.error?.message}>
                  {item.error ? `${item.error.code}: ${errorText(item.error)}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
