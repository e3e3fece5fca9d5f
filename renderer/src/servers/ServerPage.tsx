import { useEffect } from 'react';
import { useApp } from '../app/store';
import { Badge, CONNECTION_TONE } from '../ui/Badge';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { formatMb } from '../ui/format';
import { Meter, PageHeader, Panel } from '../ui/Panel';
import { AuditList } from './AuditList';

export function ServerPage({ serverId }: { serverId: string }) {
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
  const connected = server?.state === 'connected';
  const isAdmin = server?.user?.role === 'admin';

  useEffect(() => {
    if (!connected) return;
    void loadResources(serverId);
    void loadAudit(serverId);
    const t = setInterval(() => void loadResources(serverId), 10_000);
    return () => clearInterval(t);
  }, [connected, serverId, loadResources, loadAudit]);

  if (!server) return <EmptyState title="Server not found" body="It may have been removed." />;
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
            <Badge tone={CONNECTION_TONE[server.state]} label={server.state} pulse={busy} />
          </span>
        }
        subtitle={
          server.kind === 'local'
            ? 'This computer (agent over stdio)'
            : `${server.username}@${server.host}:${server.port}${server.user ? ` · signed in as ${server.user.username} (${server.user.role})` : ''}`
        }
        actions={
          <>
            {connected ? (
              <Button onClick={() => void disconnectServer(serverId)}>Disconnect</Button>
            ) : (
              <Button variant="primary" busy={busy} onClick={() => void connectServer(serverId)}>
                Connect
              </Button>
            )}
            {server.kind === 'ssh' && (
              <Button onClick={() => openDialog({ kind: 'editServer', serverId })}>Edit</Button>
            )}
            <Button variant="ghost" onClick={() => openDialog({ kind: 'removeServer', serverId })}>
              Remove
            </Button>
          </>
        }
      />
      <div className="flex flex-col gap-4 p-6">
        {server.error && server.state !== 'connected' && (
          <div
            role="alert"
            className="rounded-md border border-danger/40 bg-danger/10 px-4 py-3 text-danger"
          >
            <p className="font-medium">{server.error.message}</p>
            <p className="text-xs opacity-80">Code {server.error.code}</p>
          </div>
        )}
        {!connected ? (
          <EmptyState
            title={busy ? 'Connecting…' : 'Not connected'}
            body="Connect to see capacity, the agent's health and its audit log. The first connection installs the agent on the server."
          />
        ) : (
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-3">
            <Panel title="Capacity" className="xl:col-span-2">
              {resources ? (
                <div className="flex flex-col gap-4">
                  <Meter
                    label="Memory"
                    used={resources.memoryTotalMb - resources.memoryAvailableMb}
                    total={resources.memoryTotalMb}
                    detail={`${formatMb(resources.memoryAvailableMb)} free of ${formatMb(resources.memoryTotalMb)} · keeps ${formatMb(resources.thresholds.minFreeMemoryMb)}`}
                  />
                  <Meter
                    label="Disk"
                    used={resources.diskTotalMb - resources.diskFreeMb}
                    total={resources.diskTotalMb}
                    detail={`${formatMb(resources.diskFreeMb)} free of ${formatMb(resources.diskTotalMb)}`}
                  />
                  <Meter
                    label="Load"
                    used={resources.load1}
                    total={resources.cpus * resources.thresholds.maxLoadPerCore}
                    detail={`${resources.load1.toFixed(2)} on ${resources.cpus} cores (limit ${resources.thresholds.maxLoadPerCore}/core)`}
                  />
                  <div className="grid grid-cols-3 gap-3 pt-2">
                    <Stat
                      label="Projects"
                      value={`${resources.instances} / ${resources.maxInstances}`}
                    />
                    <Stat label="Fits more" value={String(resources.fitsMore)} testId="fits-more" />
                    <Stat label="Visible to you" value={String(projectCount)} />
                  </div>
                </div>
              ) : (
                <p className="text-xs text-muted">Reading the server's resources…</p>
              )}
            </Panel>
            <Panel title="Agent">
              <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-xs">
                <dt className="text-muted">Version</dt>
                <dd data-testid="agent-version">
                  {server.agent?.version ?? resources?.agentVersion ?? '—'}
                </dd>
                <dt className="text-muted">Protocol</dt>
                <dd>{server.agent?.protocol ?? '—'}</dd>
                <dt className="text-muted">Docker</dt>
                <dd>{resources?.dockerVersion ?? '—'}</dd>
                <dt className="text-muted">Compose</dt>
                <dd>{resources?.composeVersion ?? '—'}</dd>
                <dt className="text-muted">Host key</dt>
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
                  View projects
                </Button>
                {isAdmin && (
                  <Button size="sm" onClick={() => navigate({ kind: 'users', serverId })}>
                    Manage users
                  </Button>
                )}
              </div>
            </Panel>
            <Panel title="Recent activity" className="xl:col-span-3">
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
