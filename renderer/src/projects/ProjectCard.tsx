import { memo, useState } from 'react';
import { TagChips, TagsDialog } from './TagsDialog';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import { t as translate } from '../i18n/i18n';
import type { OpenTarget, ProjectView } from '@contract/api';
import { projectKey, toApiError } from '../api';
import { useApp } from '../app/store';
import { StatusBadge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { CopyButton } from '../ui/CopyButton';
import { InterruptedNote } from './InterruptedNote';
import { DrillFailedNote } from '../backups/DrillFailedNote';
import { isWaiting } from '../servers/recovery';

/** Opens Studio or the API on this machine; private projects go through an SSH port forward. */
export function useOpenProject() {
  const reachableUrl = useApp((s) => s.reachableUrl);
  const toast = useApp((s) => s.toast);
  return async (p: ProjectView, target: OpenTarget) => {
    try {
      const url = await reachableUrl(p.serverId, p.id, target);
      if (target !== 'database') window.open(url, '_blank', 'noopener');
    } catch (raw) {
      toast({
        kind: 'error',
        title: translate(`projects.openFailed.${target}`),
        body: errorText(toApiError(raw)),
      });
    }
  };
}

const STOPPABLE = new Set(['running', 'degraded']);
// A failed creation cannot be started (the agent refuses: create it again, so the limit,
// the resource check and the queue apply); delete it instead.
const STARTABLE = new Set(['stopped']);

export const ProjectCard = memo(function ProjectCard({
  project: p,
  onPickTag,
}: {
  project: ProjectView;
  /** A click on a tag filters the list by it. */
  onPickTag?: (tag: string) => void;
}) {
  const { t } = useTranslation();
  const pending = useApp((s) => s.pendingActions[projectKey(p.serverId, p.id)]);
  const run = useApp((s) => s.runProjectAction);
  const navigate = useApp((s) => s.navigate);
  const openDialog = useApp((s) => s.openDialog);
  const openLogs = useApp((s) => s.openLogs);
  const open = useOpenProject();
  const reachableUrl = useApp((s) => s.reachableUrl);
  const toast = useApp((s) => s.toast);
  const up = STOPPABLE.has(p.status);
  const waiting = useApp((s) => isWaiting(s.servers, p.serverId, p.id));
  const [tagging, setTagging] = useState(false);

  return (
    <article
      data-testid="project-card"
      data-name={p.name}
      data-status={p.status}
      className="group flex flex-col rounded-lg border border-line bg-panel transition hover:border-muted"
    >
      <div className="flex items-start justify-between gap-2 px-4 pt-3">
        <button
          type="button"
          onClick={() => navigate({ kind: 'project', serverId: p.serverId, instanceId: p.id })}
          className="min-w-0 text-left"
        >
          <h3 className="truncate text-[14px] font-semibold group-hover:underline">{p.name}</h3>
          <p className="truncate text-[11px] text-muted">
            {p.serverName} · {t(`exposure.${p.exposure}`)} · {p.owner}
          </p>
        </button>
        <StatusBadge status={p.status} />
      </div>
      <div className="flex items-center gap-1 px-4 pt-1.5">
        <TagChips tags={p.tags} onPick={onPickTag} />
        <button
          type="button"
          aria-label={`${t('fleet.tags.edit')}: ${p.name}`}
          title={t('fleet.tags.edit')}
          onClick={() => setTagging(true)}
          className="rounded px-1 text-[11px] text-muted hover:text-fg"
        >
          {p.tags && p.tags.length > 0 ? '✎' : `✎ ${t('fleet.tags.edit')}`}
        </button>
        {tagging && <TagsDialog project={p} onClose={() => setTagging(false)} />}
      </div>
      {p.needsAttention && (
        <p className="mx-4 mt-2 rounded bg-amber-500/10 px-2 py-1 text-[11px] text-warn">
          {t('card.autoRepairGaveUp')}
        </p>
      )}
      <DrillFailedNote project={p} compact />
      {waiting && (
        <p
          role="status"
          data-testid="recovery-waiting"
          className="mx-4 mt-2 rounded bg-brand/10 px-2 py-1 text-[11px]"
        >
          {t('recovery.waiting')}
        </p>
      )}
      <InterruptedNote project={p} className="mx-4 mt-2" />
      {p.status === 'failed' && p.error && !p.lastOperation && (
        <p className="mx-4 mt-2 line-clamp-2 text-[11px] text-danger" title={p.error.reason}>
          {p.error.reason}
        </p>
      )}
      {(p.status === 'failed' || p.status === 'degraded' || p.needsAttention) && (
        <button
          type="button"
          className="mx-4 mt-1 self-start rounded text-[11px] text-brand hover:underline"
          onClick={() =>
            navigate({
              kind: 'project',
              serverId: p.serverId,
              instanceId: p.id,
              tab: 'diagnostics',
            })
          }
        >
          {t('card.diagnose')}
        </button>
      )}
      <dl className="mx-4 mt-3 grid grid-cols-3 gap-2 rounded-md bg-bg px-3 py-2 font-mono text-[11px]">
        <div>
          <dt className="text-muted">{t('card.api')}</dt>
          <dd>{p.ports.kongHttp}</dd>
        </div>
        <div>
          <dt className="text-muted">{t('card.postgres')}</dt>
          <dd>{p.ports.postgres}</dd>
        </div>
        <div>
          <dt className="text-muted">{t('card.pooler')}</dt>
          <dd>{p.ports.poolerTransaction}</dd>
        </div>
      </dl>
      <div className="mx-4 mt-2 flex items-center gap-1 text-xs">
        <button
          type="button"
          className="rounded px-1.5 py-0.5 text-brand hover:bg-raised disabled:opacity-40"
          disabled={!up}
          onClick={() => void open(p, 'studio')}
        >
          {t('card.studioLink')}
        </button>
        <button
          type="button"
          className="rounded px-1.5 py-0.5 text-brand hover:bg-raised disabled:opacity-40"
          disabled={!up}
          onClick={() => void open(p, 'api')}
        >
          {t('card.apiLink')}
        </button>
        <span className="flex-1" />
        <CopyButton
          value={() => reachableUrl(p.serverId, p.id, 'database')}
          label={t('card.copyDbUrl', { name: p.name })}
          text={t('card.copyDbUrlText')}
          onError={(raw) =>
            toast({
              kind: 'error',
              title: t('project.copyFailed'),
              body: errorText(toApiError(raw)),
            })
          }
        />
      </div>
      <div className="mt-3 flex items-center gap-1.5 border-t border-line px-3 py-2">
        {up ? (
          <Button
            size="sm"
            busy={pending === 'stop'}
            disabled={pending !== undefined}
            onClick={() => void run(p.serverId, p.id, 'stop')}
          >
            {t('common.stop')}
          </Button>
        ) : (
          <Button
            size="sm"
            busy={pending === 'start'}
            disabled={pending !== undefined || !STARTABLE.has(p.status)}
            onClick={() => void run(p.serverId, p.id, 'start')}
          >
            {t('common.start')}
          </Button>
        )}
        <Button
          size="sm"
          busy={pending === 'restart'}
          disabled={pending !== undefined || !up}
          onClick={() => void run(p.serverId, p.id, 'restart')}
        >
          {t('common.restart')}
        </Button>
        <Button size="sm" variant="ghost" onClick={() => openLogs(p.serverId, p.id)}>
          {t('common.logs')}
        </Button>
        <span className="flex-1" />
        <Button
          size="sm"
          variant="danger-ghost"
          busy={pending === 'delete'}
          disabled={pending !== undefined}
          aria-label={t('card.deleteProject', { name: p.name })}
          onClick={() =>
            openDialog({ kind: 'deleteProject', serverId: p.serverId, instanceId: p.id })
          }
        >
          {t('common.delete')}
        </Button>
      </div>
    </article>
  );
});
