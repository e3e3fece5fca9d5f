import { useTranslation } from 'react-i18next';
import { useApp } from '../app/store';
import type { View } from '../app/navSlice';
import { ConnectionDot } from '../ui/Badge';
import { errorText } from '../i18n/error-messages';
import { needsAttention } from '../backups/attention';

function NavItem({
  label,
  active,
  onClick,
  count,
  alert,
}: {
  label: string;
  active: boolean;
  onClick: () => void;
  count?: number;
  /** How many of them need someone, with its spoken label. */
  alert?: { count: number; label: string };
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      aria-current={active ? 'page' : undefined}
      className={`flex h-8 w-full items-center justify-between rounded-md px-2.5 text-left text-[13px] ${
        active ? 'bg-raised font-medium text-fg' : 'text-muted hover:bg-raised hover:text-fg'
      }`}
    >
      {label}
      <span className="flex-1" />
      {alert && alert.count > 0 && (
        <span
          className="mr-1 rounded bg-danger px-1.5 text-[11px] font-medium text-danger-fg"
          title={alert.label}
          aria-label={alert.label}
        >
          {alert.count}
        </span>
      )}
      {count !== undefined && count > 0 && (
        <span className="rounded bg-bg px-1.5 text-[11px] text-muted">{count}</span>
      )}
    </button>
  );
}

function isView(view: View, kind: View['kind']): boolean {
  return view.kind === kind;
}

/** Left column: where things are, and every server with its live connection state. */
export function ServerSidebar() {
  const { t } = useTranslation();
  const view = useApp((s) => s.view);
  const navigate = useApp((s) => s.navigate);
  const openDialog = useApp((s) => s.openDialog);
  const servers = useApp((s) => s.servers);
  const projectCount = useApp((s) => Object.keys(s.projects).length);
  const attention = useApp(
    (s) =>
      Object.values(s.projects).filter(
        (p) => p.status === 'failed' || p.status === 'degraded' || needsAttention(p),
      ).length,
  );
  const logTabs = useApp((s) => s.logTabs.length);

  return (
    <nav
      aria-label={t('nav.main')}
      className="flex w-60 shrink-0 flex-col border-r border-line bg-panel"
    >
      <div className="flex h-14 items-center gap-2 border-b border-line px-4">
        <span
          aria-hidden
          className="flex size-6 items-center justify-center rounded bg-brand text-xs font-bold text-brand-fg"
        >
          U
        </span>
        <span className="text-[15px] font-semibold">Ultrabase</span>
      </div>
      <div className="flex flex-col gap-0.5 p-2">
        <NavItem
          label={t('nav.projects')}
          count={projectCount}
          alert={{ count: attention, label: t('nav.needAttention', { count: attention }) }}
          active={isView(view, 'projects') || isView(view, 'project')}
          onClick={() => navigate({ kind: 'projects' })}
        />
        <NavItem
          label={t('nav.logs')}
          count={logTabs}
          active={isView(view, 'logs')}
          onClick={() => navigate({ kind: 'logs' })}
        />
        <NavItem
          label={t('nav.users')}
          active={isView(view, 'users')}
          onClick={() => navigate({ kind: 'users' })}
        />
        <NavItem
          label={t('nav.settings')}
          active={isView(view, 'settings')}
          onClick={() => navigate({ kind: 'settings' })}
        />
      </div>
      <div className="mt-2 flex items-center justify-between px-4 py-1">
        <h2 className="text-[11px] font-semibold tracking-wider text-muted uppercase">
          {t('nav.servers')}
        </h2>
        <button
          type="button"
          aria-label={t('nav.addServer')}
          title={t('nav.addServer')}
          onClick={() => openDialog({ kind: 'addServer' })}
          className="rounded px-1.5 text-base leading-none text-muted hover:bg-raised hover:text-fg"
        >
          +
        </button>
      </div>
      <ul
        className="flex min-h-0 flex-1 flex-col gap-0.5 overflow-auto p-2"
        aria-label={t('nav.servers')}
      >
        {servers.length === 0 && (
          <li className="px-2.5 py-2 text-xs text-muted">{t('nav.noServers')}</li>
        )}
        {servers.map((server) => {
          const active = view.kind === 'server' && view.serverId === server.id;
          return (
            <li key={server.id}>
              <button
                type="button"
                data-testid={`server-${server.name}`}
                onClick={() => navigate({ kind: 'server', serverId: server.id })}
                aria-current={active ? 'page' : undefined}
                className={`flex w-full items-center gap-2.5 rounded-md px-2.5 py-1.5 text-left ${
                  active ? 'bg-raised' : 'hover:bg-raised'
                }`}
              >
                <ConnectionDot state={server.state} />
                <span className="min-w-0 flex-1">
                  <span className="block truncate text-[13px] font-medium">{server.name}</span>
                  <span
                    className="block truncate text-[11px] text-muted"
                    data-testid="server-state"
                    // Cut to one line here; the whole reason, in the core's words, on hover.
                    title={server.error?.message}
                  >
                    {server.state === 'error' || server.state === 'reconnecting'
                      ? server.error
                        ? errorText(server.error)
                        : t(`connection.${server.state}`)
                      : server.kind === 'local'
                        ? t('nav.thisComputer', { state: t(`connection.${server.state}`) })
                        : t('nav.hostState', {
                            host: server.host,
                            state: t(`connection.${server.state}`),
                          })}
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
