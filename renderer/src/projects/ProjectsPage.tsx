import { useCallback, useMemo, useRef, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { inputBase } from '../ui/Field';
import { PageHeader } from '../ui/Panel';
import { RecoveryBanner } from '../servers/RecoveryBanner';
import { ProjectCard } from './ProjectCard';
import { visibleProjects } from './projectsSlice';
import { ProjectTable } from './ProjectTable';
import { SecurityBanner } from '../upgrades/SecurityBanner';
import { BulkBar, BulkProgress } from './BulkActions';
import { loadLayout, saveLayout, statusCounts, tagChoices, type ProjectsLayout } from './fleet';

const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

export function ProjectsPage() {
  const { t } = useTranslation();
  const projects = useApp((s) => s.projects);
  const filter = useApp((s) => s.projectFilter);
  const setFilter = useApp((s) => s.setProjectFilter);
  const servers = useApp((s) => s.servers);
  const serversLoaded = useApp((s) => s.serversLoaded);
  const openDialog = useApp((s) => s.openDialog);
  const navigate = useApp((s) => s.navigate);
  const connectServer = useApp((s) => s.connectServer);
  const cards = useMemo(() => visibleProjects(projects, filter), [projects, filter]);
  // Chips count what the server and search filters leave, before the status filter.
  const counts = useMemo(
    () => statusCounts(visibleProjects(projects, { ...filter, status: 'all' })),
    [projects, filter],
  );
  // Remembered in the settings file (with the theme and the language); a choice made before
  // that, kept in this window's storage, still counts until the person switches again.
  const savedLayout = useApp((s) => s.settings.projectsLayout);
  const updateSettings = useApp((s) => s.updateSettings);
  const layout: ProjectsLayout = savedLayout ?? loadLayout(storage);
  const setLayout = (next: ProjectsLayout) => {
    saveLayout(storage, next);
    void updateSettings({ projectsLayout: next });
  };
  const connected = servers.filter((s) => s.state === 'connected');
  const search = useRef<HTMLInputElement>(null);
  const tags = useMemo(() => tagChoices(Object.values(projects)), [projects]);
  const pickTag = useCallback((tag: string) => setFilter({ tag }), [setFilter]);
  // Ticked rows, by `serverId/instanceId`; only those still shown take part in a bulk action.
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const select = useCallback((keys: string[], on: boolean) => {
    setSelection((current) => {
      const next = new Set(current);
      for (const k of keys) {
        if (on) next.add(k);
        else next.delete(k);
      }
      return next;
    });
  }, []);
  const selected = useMemo(
    () => cards.filter((p) => selection.has(`${p.serverId}/${p.id}`)),
    [cards, selection],
  );

  useEffect(() => {
    // "/" jumps to the search box, as in most dashboards.
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key === '/' && target?.tagName !== 'INPUT' && target?.tagName !== 'TEXTAREA') {
        e.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  let body;
  if (!serversLoaded) {
    body = <p className="p-6 text-muted">{t('common.loading')}</p>;
  } else if (servers.length === 0) {
    body = (
      <EmptyState
        icon="⌁"
        title={t('projects.emptyNoServer.title')}
        body={t('projects.emptyNoServer.body')}
        action={
          <Button variant="primary" onClick={() => openDialog({ kind: 'addServer' })}>
            {t('projects.emptyNoServer.action')}
          </Button>
        }
      />
    );
  } else if (connected.length === 0) {
    const first = servers[0]!;
    body = (
      <EmptyState
        icon="⇄"
        title={t('projects.emptyNotConnected.title')}
        body={t('projects.emptyNotConnected.body')}
        action={
          <div className="flex gap-2">
            <Button variant="primary" onClick={() => void connectServer(first.id)}>
              {t('projects.emptyNotConnected.connect', { name: first.name })}
            </Button>
            <Button onClick={() => navigate({ kind: 'server', serverId: first.id })}>
              {t('projects.emptyNotConnected.openServer')}
            </Button>
          </div>
        }
      />
    );
  } else if (Object.keys(projects).length === 0) {
    body = (
      <EmptyState
        icon="✦"
        title={t('projects.emptyNoProject.title')}
        body={t('projects.emptyNoProject.body')}
        action={
          <Button variant="primary" onClick={() => openDialog({ kind: 'create' })}>
            {t('projects.newProject')}
          </Button>
        }
      />
    );
  } else if (cards.length === 0) {
    body = (
      <EmptyState
        title={t('projects.emptyNoMatch.title')}
        body={t('projects.emptyNoMatch.body')}
        action={
          <Button onClick={() => setFilter({ query: '', serverId: 'all', status: 'all', tag: '' })}>
            {t('projects.emptyNoMatch.clear')}
          </Button>
        }
      />
    );
  } else if (layout === 'table') {
    body = (
      <ProjectTable projects={cards} selected={selection} onSelect={select} onPickTag={pickTag} />
    );
  } else {
    body = (
      <div
        className="grid grid-cols-[repeat(auto-fill,minmax(290px,1fr))] gap-4 p-6"
        data-testid="project-grid"
      >
        {cards.map((p) => (
          <ProjectCard key={`${p.serverId}/${p.id}`} project={p} onPickTag={pickTag} />
        ))}
      </div>
    );
  }
  const status = filter.status ?? 'all';
  const hasProjects = Object.keys(projects).length > 0;

  return (
    <>
      <PageHeader
        title={t('projects.title')}
        subtitle={t('projects.subtitle', {
          count: cards.length,
          connected: connected.length,
          servers: servers.length,
        })}
        actions={
          <>
            <input
              ref={search}
              type="search"
              aria-label={t('projects.search')}
              title={t('projects.searchShortcut')}
              placeholder={t('projects.searchPlaceholder')}
              value={filter.query}
              onChange={(e) => setFilter({ query: e.target.value })}
              className={`${inputBase} h-8 w-56`}
            />
            <select
              aria-label={t('projects.filterByServer')}
              value={filter.serverId}
              onChange={(e) => setFilter({ serverId: e.target.value })}
              className={`${inputBase} h-8 w-44`}
            >
              <option value="all">{t('projects.allServers')}</option>
              {servers.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            {tags.length > 0 && (
              <select
                aria-label={t('fleet.tags.filter')}
                value={filter.tag ?? ''}
                onChange={(e) => setFilter({ tag: e.target.value })}
                className={`${inputBase} h-8 w-40`}
                data-testid="tag-filter"
              >
                <option value="">{t('fleet.tags.all')}</option>
                {tags.map((tag) => (
                  <option key={tag} value={tag}>
                    {tag}
                  </option>
                ))}
              </select>
            )}
            <Button
              variant="primary"
              disabled={connected.length === 0}
              onClick={() => openDialog({ kind: 'create' })}
              title={t('projects.newProjectShortcut')}
            >
              {t('projects.newProject')}
            </Button>
          </>
        }
      />
      {hasProjects && (
        <div className="shrink-0 px-6 pt-4 empty:hidden">
          <SecurityBanner projects={Object.values(projects)} />
        </div>
      )}
      {connected.some((s) => s.recovery) && (
        <div className="flex shrink-0 flex-col gap-2 px-6 pt-4">
          {connected.map((s) => (
            <RecoveryBanner key={s.id} server={s} showName />
          ))}
        </div>
      )}
      {hasProjects && (
        <div className="flex shrink-0 flex-wrap items-center gap-2 px-6 pt-4">
          <div role="group" aria-label={t('fleet.statusFilter')} className="flex flex-wrap gap-1.5">
            {counts.map(([s, count]) => (
              <button
                key={s}
                type="button"
                aria-pressed={status === s}
                data-testid={`status-chip-${s}`}
                onClick={() => setFilter({ status: status === s ? 'all' : s })}
                className={`rounded-full border px-2.5 py-0.5 text-xs ${status === s ? 'border-brand bg-brand/10 font-medium text-fg' : 'border-line text-muted hover:text-fg'}`}
              >
                {t(`fleet.statusCount.${s}`, { count })}
              </button>
            ))}
            {status !== 'all' && (
              <button
                type="button"
                onClick={() => setFilter({ status: 'all' })}
                className="rounded-full px-2 py-0.5 text-xs text-muted hover:text-fg"
              >
                {t('fleet.allStatuses')}
              </button>
            )}
          </div>
          <span className="flex-1" />
          <div
            role="radiogroup"
            aria-label={t('fleet.layout')}
            className="inline-flex rounded-md border border-line bg-bg p-0.5"
          >
            {(['cards', 'table'] as const).map((l) => (
              <button
                key={l}
                type="button"
                role="radio"
                aria-checked={layout === l}
                onClick={() => setLayout(l)}
                className={`rounded px-3 py-1 text-xs ${layout === l ? 'bg-panel font-medium shadow-sm' : 'text-muted'}`}
              >
                {t(`fleet.${l}`)}
              </button>
            ))}
          </div>
        </div>
      )}
      {layout === 'table' && (
        <BulkBar selected={selected} onClear={() => setSelection(new Set())} />
      )}
      <BulkProgress />
      {body}
    </>
  );
}
