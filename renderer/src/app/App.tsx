import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from './store';
import { ServerSidebar } from '../servers/ServerSidebar';
import { ServerPage } from '../servers/ServerPage';
import { ServerDialog } from '../servers/ServerDialog';
import { HostKeyDialogs } from '../servers/HostKeyDialogs';
import { RemoveServerDialog } from '../servers/RemoveServerDialog';
import { ProjectsPage } from '../projects/ProjectsPage';
import { ProjectPage } from '../projects/ProjectPage';
import { DeleteProjectDialog } from '../projects/DeleteProjectDialog';
import { CreateDialog } from '../create/CreateDialog';
import { LogsPage } from '../logs/LogsPage';
import { UsersPage } from '../users/UsersPage';
import { NotificationsPage } from '../notifications/NotificationsPage';
import { SettingsPage } from '../settings/SettingsPage';
import { Toaster } from '../ui/Toaster';
import { ShortcutsDialog } from './ShortcutsDialog';
import { useTheme } from '../settings/useTheme';
import { useLanguage } from '../i18n/useLanguage';

function Dialogs() {
  const dialog = useApp((s) => s.dialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'addServer':
      return <ServerDialog />;
    case 'editServer':
      return <ServerDialog serverId={dialog.serverId} />;
    case 'create':
      return <CreateDialog serverId={dialog.serverId} />;
    case 'deleteProject':
      return <DeleteProjectDialog serverId={dialog.serverId} instanceId={dialog.instanceId} />;
    case 'removeServer':
      return <RemoveServerDialog serverId={dialog.serverId} />;
    case 'shortcuts':
      return <ShortcutsDialog />;
  }
}

function Main() {
  const view = useApp((s) => s.view);
  switch (view.kind) {
    case 'projects':
      return <ProjectsPage />;
    case 'project':
      return (
        <ProjectPage
          serverId={view.serverId}
          instanceId={view.instanceId}
          tab={view.tab ?? 'overview'}
        />
      );
    case 'server':
      return <ServerPage serverId={view.serverId} />;
    case 'users':
      return <UsersPage serverId={view.serverId} />;
    case 'notifications':
      return <NotificationsPage serverId={view.serverId} />;
    case 'settings':
      return <SettingsPage />;
    case 'logs':
      return null; // always mounted below, so open terminals keep streaming
  }
}

export function App() {
  useTheme();
  useLanguage();
  const { t } = useTranslation();
  const view = useApp((s) => s.view);
  const openDialog = useApp((s) => s.openDialog);
  const dialogOpen = useApp((s) => s.dialog !== null);

  useEffect(() => {
    // Ctrl/Cmd+N: new project, from anywhere a dialog is not already open.
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'n' && !dialogOpen) {
        e.preventDefault();
        openDialog({ kind: 'create' });
      }
      // ?: the list of shortcuts, unless the person is typing a question mark somewhere.
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (
        e.key === '?' &&
        !dialogOpen &&
        tag !== 'INPUT' &&
        tag !== 'TEXTAREA' &&
        tag !== 'SELECT'
      ) {
        e.preventDefault();
        openDialog({ kind: 'shortcuts' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialogOpen, openDialog]);

  return (
    <div className="flex h-full min-h-[700px] min-w-[1024px] bg-bg text-fg">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-panel focus:px-3 focus:py-1"
      >
        {t('app.skipToContent')}
      </a>
      <ServerSidebar />
      <main id="main" className="flex min-w-0 flex-1 flex-col overflow-hidden">
        <div
          className={view.kind === 'logs' ? 'hidden' : 'flex min-h-0 flex-1 flex-col overflow-auto'}
        >
          <Main />
        </div>
        <LogsPage visible={view.kind === 'logs'} />
      </main>
      <Dialogs />
      <HostKeyDialogs />
      <Toaster />
    </div>
  );
}
