import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../app/store';
import { Badge, CONNECTION_TONE } from '../ui/Badge';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { formatMb, formatNumber } from '../i18n/format';
import { errorText } from '../i18n/error-messages';
import { Meter, PageHeader, Panel } from '../ui/Panel';
import { AuditList } from './AuditList';
import { RecoveryBanner } from './RecoveryBanner';
import { CapacityPanel } from './CapacityPanel';
import { ServerCertificates } from '../domains/ServerCertificates';
import { ServerBackupsPanel } from '../backups/ServerBackupsPanel';
import { loadMeter } from './capacity';
import { hostKeyOutcome } from './serversSlice';
import { toApiError } from '../api';
import { ImportProjectButton } from '../backups/ImportDialog';

export function ServerPage({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const server = useApp((s) => s.servers.find((x) => x.id === serverId));
  const resources = useApp((s) => s.resources[serverId]);
  const audit = useApp((s) => s.audit[serverId]);
  const projectCount = useApp(
    (s) => Object.values(s.projects).filter((p) => p.serverId === serverId).length,
  );
  const connectServer = useApp((s) => s.connectServer);
  const disconnectServer = useApp((s) => s.disconnectServer);
  const loadResources = useApp((s) => s.loadResources);
  const loadAudit = useApp((s) => s.loadAudit);
  const openDialog = useApp((s) => s.openDialog);
  const navigate = useApp((s) => s.navigate);
  const setProjectFilter = useApp((s) => s.setProjectFilter);
  const reviewHostKey = useApp((s) => s.reviewHostKey);
  const connected = server?.state === 'connected';
  const isAdmin = server?.user?.role === 'admin';

  useEffect(() => {
    if (!connected) return;
    void loadResources(serverId);
    void loadAudit(serverId);
    const t = setInterval(() => void loadResources(serverId), 10_000);
    return () => clearInterval(t);
  }, [connected, serverId, loadResources, loadAudit]);

  if (!server)
    return <EmptyState title={t('servers.notFound.title')} body={t('servers.notFound.body')} />;
  const busy =
    server.state === 'connecting' ||
    server.state === 'bootstrapping' ||
    server.state === 'reconnecting';

  return (
    <>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {server.name}{' '}
            <Badge
              tone={CONNECTION_TONE[server.state]}
              label={t(`connection.${server.state}`)}
              pulse={busy}
            />
          </span>
        }
        subtitle={
          server.kind === 'local'
            ? t('servers.localSubtitle')
            : `${server.username}@${server.host}:${server.port}${server.user ? t('servers.signedInAs', { user: server.user.username, role: t(`role.${server.user.role}`) }) : ''}`
        }
        actions={
          <>
            {connected ? (
              <Button onClick={() => void disconnectServer(serverId)}>
                {t('servers.disconnect')}
              </Button>
            ) : (
              <Button variant="primary" busy={busy} onClick={() => void connectServer(serverId)}>
                {t('servers.connect')}
              </Button>
            )}
            {connected && isAdmin && <ImportProjectButton serverId={serverId} />}
            {server.kind === 'ssh' && (
              <Button onClick={() => openDialog({ kind: 'editServer', serverId })}>
                {t('common.edit')}
              </Button>
            )}
            <Button variant="ghost" onClick={() => openDialog({ kind: 'removeServer', serverId })}>
              {t('common.remove')}
            </Button>
          </>
        }
      />
      <div className="flex flex-col gap-4 p-6">
        <RecoveryBanner server={server} />
        {server.error && server.state !== 'connected' && (
          <div
            role="alert"
            className="rounded-md border border-danger/40 bg-danger/10 px-4 py-3 text-danger"
          >
            {hostKeyOutcome(serverId, toApiError(server.error)) ? (
              // The core's sentence advises removing the server, while the dialog offers to
              // trust the new key: say one thing, and lead to the dialog that decides.
              <div className="flex items-center justify-between gap-4">
                <p className="font-medium">{t('servers.hostKeyBanner')}</p>
                <Button size="sm" onClick={() => reviewHostKey(serverId)}>
                  {t('servers.reviewKey')}
                </Button>
              </div>
            ) : (
              <>
                <p className="font-medium">{errorText(server.error)}</p>
                <p className="text-xs opacity-80">
                  {t('common.code', { code: server.error.code })}
                </p>
              </>
            )}
          </div>
        )}
        {!connected ? (
          <EmptyState
            title={busy ? t('servers.connecting') : t('servers.notConnected')}
            body={t('servers.notConnectedBody')}
          />
        ) : (
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-3">
            <Panel title={t('servers.capacity')} className="xl:col-span-2">
              {resources ? (
                <div className="flex flex-col gap-4">
                  <Meter
                    label={t('servers.memory')}
                    used={resources.memoryTotalMb - resources.memoryAvailableMb}
                    total={resources.memoryTotalMb}
                    detail={t('servers.memoryDetail', {
                      free: formatMb(resources.memoryAvailableMb),
                      total: formatMb(resources.memoryTotalMb),
                      reserve: formatMb(resources.thresholds.minFreeMemoryMb),
                    })}
                  />
                  <Meter
                    label={t('servers.disk')}
                    used={resources.diskTotalMb - resources.diskFreeMb}
                    total={resources.diskTotalMb}
                    detail={t('servers.diskDetail', {
                      free: formatMb(resources.diskFreeMb),
                      total: formatMb(resources.diskTotalMb),
                    })}
                  />
                  <Meter
                    label={t('servers.load')}
                    {...loadMeter(resources.load1, resources.cpus)}
                    detail={t('servers.loadDetail', {
                      load: formatNumber(resources.load1, undefined, {
                        minimumFractionDigits: 2,
                        maximumFractionDigits: 2,
                      }),
                      count: resources.cpus,
                      limit: formatNumber(resources.thresholds.maxLoadPerCore),
                    })}
                  />
                  <div className="grid grid-cols-3 gap-3 pt-2">
                    <Stat
                      label={t('servers.projects')}
                      value={`${resources.instances} / ${resources.maxInstances}`}
                    />
                    <Stat
                      label={t('servers.fitsMore')}
                      value={String(resources.fitsMore)}
                      testId="fits-more"
                    />
                    <Stat label={t('servers.visibleToYou')} value={String(projectCount)} />
                  </div>
                </div>
              ) : (
                <p className="text-xs text-muted">{t('servers.readingResources')}</p>
              )}
            </Panel>
            <Panel title={t('servers.agent')}>
              <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-xs">
                <dt className="text-muted">{t('servers.version')}</dt>
                <dd data-testid="agent-version">
                  {server.agent?.version ?? resources?.agentVersion ?? '—'}
                </dd>
                <dt className="text-muted">{t('servers.protocol')}</dt>
                <dd>{server.agent?.protocol ?? '—'}</dd>
                <dt className="text-muted">{t('servers.docker')}</dt>
                <dd>{resources?.dockerVersion ?? t('servers.notReported')}</dd>
                <dt className="text-muted">{t('servers.compose')}</dt>
                <dd>{resources?.composeVersion ?? t('servers.notReported')}</dd>
                <dt className="text-muted">{t('servers.hostKey')}</dt>
                <dd className="truncate font-mono" title={server.hostKey?.fingerprint}>
                  {server.hostKey?.fingerprint ?? '—'}
                </dd>
              </dl>
              <div className="mt-4 flex gap-2">
                <Button
                  size="sm"
                  onClick={() => {
                    setProjectFilter({ serverId });
                    navigate({ kind: 'projects' });
                  }}
                >
                  {t('servers.viewProjects')}
                </Button>
                {isAdmin && (
                  <Button size="sm" onClick={() => navigate({ kind: 'users', serverId })}>
                    {t('servers.manageUsers')}
                  </Button>
                )}
                {isAdmin && (
                  <Button size="sm" onClick={() => navigate({ kind: 'notifications', serverId })}>
                    {t('notifications.open')}
                  </Button>
                )}
              </div>
            </Panel>
            <CapacityPanel serverId={serverId} />
            <ServerCertificates serverId={serverId} />
            <ServerBackupsPanel serverId={serverId} />
            <Panel title={t('servers.recentActivity')} className="xl:col-span-3">
              <AuditList entries={audit} />
            </Panel>
          </div>
        )}
      </div>
    </>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="rounded-md border border-line bg-bg px-3 py-2">
      <div className="text-[11px] text-muted">{label}</div>
      <div className="text-lg font-semibold" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}
