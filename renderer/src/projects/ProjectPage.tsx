import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProjectTab } from '../app/navSlice';
import { projectKey, toApiError } from '../api';
import { useApp } from '../app/store';
import { CreationProgress } from '../create/CreationProgress';
import { DiagnosticsPanel } from '../diagnostics/DiagnosticsPanel';
import { AuditList } from '../servers/AuditList';
import { StatusBadge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { CopyButton } from '../ui/CopyButton';
import { EmptyState } from '../ui/EmptyState';
import { PageHeader, Panel } from '../ui/Panel';
import { CredentialsPanel } from './CredentialsPanel';
import { DomainsPanel } from '../domains/DomainsPanel';
import { useOpenProject } from './ProjectCard';
import { UsagePanel } from './UsagePanel';
import { DrillFailedNote } from '../backups/DrillFailedNote';
import { SizePanel } from './resize/ResizeDialog';
import { UsageHistoryPanel } from './usage/UsageHistoryPanel';
import { ProjectSettingsPanel } from './settings/ProjectSettingsPanel';
import { ReleasePanel } from '../upgrades/ReleasePanel';
import { BackupsPanel } from '../backups/BackupsPanel';
import { needsTunnel } from './tunnelsSlice';
import { errorText } from '../i18n/error-messages';
import { InterruptedNote } from './InterruptedNote';
import type { en } from '../i18n/en';

const TABS: ProjectTab[] = ['overview', 'diagnostics', 'usage', 'activity', 'settings', 'backups'];
const IN_CREATION = new Set(['queued', 'creating', 'failed']);

export function ProjectPage({
  serverId,
  instanceId,
  tab,
}: {
  serverId: string;
  instanceId: string;
  tab: ProjectTab;
}) {
  const { t, i18n } = useTranslation();
  const key = projectKey(serverId, instanceId);
  /** Docker's state word, translated when the catalogue knows it (Docker may add new ones). */
  const containerState = (state: string): string =>
    i18n.exists(`container.${state}`)
      ? t(`container.${state as keyof typeof en.container}`)
      : state;
  const p = useApp((s) => s.projects[key]);
  const pending = useApp((s) => s.pendingActions[key]);
  const audit = useApp((s) => s.audit[key]);
  const run = useApp((s) => s.runProjectAction);
  const navigate = useApp((s) => s.navigate);
  const openDialog = useApp((s) => s.openDialog);
  const openLogs = useApp((s) => s.openLogs);
  const loadAudit = useApp((s) => s.loadAudit);
  const api = useApp((s) => s.api);
  const applyProgress = useApp((s) => s.applyProgress);
  const open = useOpenProject();
  const server = useApp((s) => s.servers.find((x) => x.id === serverId));
  const tunnels = useApp((s) => s.tunnels[key]);
  const reachableUrl = useApp((s) => s.reachableUrl);
  const toast = useApp((s) => s.toast);
  const copyFailed = (raw: unknown) =>
    toast({ kind: 'error', title: t('project.copyFailed'), body: errorText(toApiError(raw)) });
  const creating = p !== undefined && IN_CREATION.has(p.status);

  useEffect(() => {
    if (tab === 'activity') void loadAudit(serverId, instanceId);
  }, [tab, serverId, instanceId, loadAudit]);

  useEffect(() => {
    if (!creating) return;
    // Opening a project mid-creation: replay what happened before this page subscribed.
    api.projectProgress(serverId, instanceId).then(
      (r) => r.events.forEach((e) => applyProgress(serverId, e)),
      () => undefined,
    );
  }, [creating, api, serverId, instanceId, applyProgress]);

  if (!p) {
    return (
      <EmptyState
        title={t('project.notFound.title')}
        body={t('project.notFound.body')}
        action={<Button onClick={() => navigate({ kind: 'projects' })}>{t('project.back')}</Button>}
      />
    );
  }
  const up = p.status === 'running' || p.status === 'degraded';
  const tunnel = needsTunnel(p, server);

  return (
    <>
      <div className="sticky top-0 z-10 shrink-0">
        <PageHeader
          sticky={false}
          subtitleTitle={t('project.composeProject', { project: p.project })}
          title={
            <span className="flex items-center gap-3">
              <button
                type="button"
                className="text-muted hover:text-fg"
                onClick={() => navigate({ kind: 'projects' })}
                aria-label={t('project.back')}
              >
                ←
              </button>
              {p.name}
              <span data-testid="project-status">
                <StatusBadge status={p.status} />
              </span>
            </span>
          }
          subtitle={t('project.subtitle', {
            server: p.serverName,
            exposure: t(`exposure.${p.exposure}`),
            owner: p.owner,
          })}
          actions={
            <>
              {up ? (
                <Button
                  busy={pending === 'stop'}
                  disabled={pending !== undefined}
                  onClick={() => void run(serverId, instanceId, 'stop')}
                >
                  {t('common.stop')}
                </Button>
              ) : (
                <Button
                  busy={pending === 'start'}
                  disabled={pending !== undefined || p.status !== 'stopped'}
                  onClick={() => void run(serverId, instanceId, 'start')}
                >
                  {t('common.start')}
                </Button>
              )}
              <Button
                busy={pending === 'restart'}
                disabled={pending !== undefined || !up}
                onClick={() => void run(serverId, instanceId, 'restart')}
              >
                {t('common.restart')}
              </Button>
              <Button onClick={() => openLogs(serverId, instanceId)}>{t('common.logs')}</Button>
              <Button
                variant="danger"
                disabled={pending !== undefined}
                onClick={() => openDialog({ kind: 'deleteProject', serverId, instanceId })}
              >
                {t('common.delete')}
              </Button>
            </>
          }
        />
        <div
          role="tablist"
          aria-label={t('project.sections')}
          className="flex gap-1 border-b border-line bg-panel px-6"
        >
          {TABS.map((id) => (
            <button
              key={id}
              role="tab"
              type="button"
              aria-selected={tab === id}
              onClick={() => navigate({ kind: 'project', serverId, instanceId, tab: id })}
              className={`-mb-px border-b-2 px-3 py-2 text-[13px] ${tab === id ? 'border-brand font-medium text-fg' : 'border-transparent text-muted hover:text-fg'}`}
            >
              {id === 'settings'
                ? t('projectSettings.tab')
                : id === 'backups'
                  ? t('backups.tab')
                  : t(`project.tabs.${id}`)}
            </button>
          ))}
        </div>
      </div>
      <div className="flex flex-col gap-4 p-6" role="tabpanel">
        {tab === 'overview' && (
          <>
            {creating && (
              <Panel
                title={
                  p.status === 'failed'
                    ? t('project.creationFailed')
                    : t('project.creationInProgress')
                }
              >
                <CreationProgress serverId={serverId} instanceId={instanceId} />
              </Panel>
            )}
            <InterruptedNote project={p} className="px-3 py-2 text-xs" />
            <DrillFailedNote project={p} />
            {p.needsAttention && (
              <p
                role="alert"
                className="rounded-md border border-amber-500/40 bg-amber-500/10 px-3 py-2 text-warn"
              >
                {t('project.needsAttention')}
              </p>
            )}
            <Panel title={t('project.endpoints')}>
              <dl className="flex flex-col divide-y divide-line text-xs">
                {(
                  [
                    ['studio', t('project.endpoint.studio'), p.urls.studio],
                    ['api', t('project.endpoint.api'), p.urls.api],
                    ['database', t('project.endpoint.database'), p.urls.database],
                  ] as const
                ).map(([target, label, serverUrl]) => {
                  // Never show a private project's server-loopback address as if it worked here.
                  const url = tunnel ? tunnels?.[target] : serverUrl;
                  return (
                    <div
                      key={target}
                      className="grid grid-cols-[120px_1fr_auto] items-center gap-3 py-1.5"
                    >
                      <dt className="text-muted">{label}</dt>
                      <dd className="truncate font-mono" data-endpoint={target}>
                        {url ?? (
                          <span className="font-sans text-muted">{t('project.tunnelNotOpen')}</span>
                        )}
                      </dd>
                      {/* The actions are a second dd: a dl's groups hold only dt and dd. */}
                      <dd className="flex gap-1">
                        {target === 'database' && tunnel && !url && (
                          <Button
                            size="sm"
                            variant="ghost"
                            disabled={!up}
                            onClick={() => void open(p, 'database')}
                          >
                            {t('project.openTunnel')}
                          </Button>
                        )}
                        {target !== 'database' && (
                          <Button
                            size="sm"
                            variant="ghost"
                            disabled={!up}
                            onClick={() => void open(p, target)}
                          >
                            {t('common.openExternal')}
                          </Button>
                        )}
                        <CopyButton
                          value={() => reachableUrl(serverId, instanceId, target)}
                          label={t('project.copyUrl', { label })}
                          onError={copyFailed}
                        />
                      </dd>
                    </div>
                  );
                })}
              </dl>
              <p className="mt-2 text-[11px] text-muted">
                {t('project.ports', {
                  api: p.ports.kongHttp,
                  https: p.ports.kongHttps,
                  postgres: p.ports.postgres,
                  pooler: p.ports.poolerTransaction,
                })}
                {p.exposure === 'private' && t('project.privateNote')}
              </p>
              {tunnel && tunnels && (
                <p className="mt-1 text-[11px] text-warn" data-testid="tunnel-note">
                  {t('project.tunnelNote')}
                </p>
              )}
              <p className="mt-1 text-[11px] text-muted">{t('project.studioLogin')}</p>
            </Panel>
            <CredentialsPanel serverId={serverId} instanceId={instanceId} />
            {!creating && <ReleasePanel project={p} />}
            <DomainsPanel serverId={serverId} instanceId={instanceId} />
            {p.services && p.services.length > 0 && (
              <Panel title={t('project.services')}>
                <ul className="grid grid-cols-[repeat(auto-fill,minmax(200px,1fr))] gap-2">
                  {p.services.map((s) => (
                    <li
                      key={s.service}
                      className="flex items-center justify-between rounded-md border border-line px-3 py-1.5 text-xs"
                    >
                      <span>
                        <span className="font-medium">{s.service}</span>{' '}
                        <span
                          className={
                            s.health === 'unhealthy' || s.state !== 'running'
                              ? 'text-danger'
                              : 'text-muted'
                          }
                        >
                          {containerState(s.state)}
                          {s.health !== 'none' ? ` · ${t(`health.${s.health}`)}` : ''}
                          {s.restarts > 0
                            ? ` · ${t('project.restarts', { count: s.restarts })}`
                            : ''}
                        </span>
                      </span>
                      <button
                        type="button"
                        className="text-brand hover:underline"
                        onClick={() => openLogs(serverId, instanceId, s.service)}
                      >
                        {t('project.serviceLogs')}
                      </button>
                    </li>
                  ))}
                </ul>
              </Panel>
            )}
          </>
        )}
        {tab === 'diagnostics' && <DiagnosticsPanel serverId={serverId} instanceId={instanceId} />}
        {tab === 'usage' && <UsagePanel serverId={serverId} instanceId={instanceId} />}
        {tab === 'usage' && <UsageHistoryPanel serverId={serverId} instanceId={instanceId} />}
        {tab === 'settings' && <SizePanel project={p} />}
        {tab === 'settings' && <ProjectSettingsPanel serverId={serverId} instanceId={instanceId} />}
        {tab === 'backups' && (
          <BackupsPanel serverId={serverId} instanceId={instanceId} projectName={p.name} />
        )}
        {tab === 'activity' && (
          <Panel title={t('project.recentActivity')}>
            <AuditList entries={audit} />
          </Panel>
        )}
      </div>
    </>
  );
}
