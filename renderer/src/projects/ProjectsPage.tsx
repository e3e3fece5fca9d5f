import { useMemo, useRef, useEffect } from 'react';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { inputClass } from '../ui/Field';
import { PageHeader } from '../ui/Panel';
import { ProjectCard } from './ProjectCard';
import { visibleProjects } from './projectsSlice';

export function ProjectsPage() {
  const projects = useApp((s) => s.projects);
  const filter = useApp((s) => s.projectFilter);
  const setFilter = useApp((s) => s.setProjectFilter);
  const servers = useApp((s) => s.servers);
  const serversLoaded = useApp((s) => s.serversLoaded);
  const openDialog = useApp((s) => s.openDialog);
  const navigate = useApp((s) => s.navigate);
  const connectServer = useApp((s) => s.connectServer);
  const cards = useMemo(() => visibleProjects(projects, filter), [projects, filter]);
  const connected = servers.filter((s) => s.state === 'connected');
  const search = useRef<HTMLInputElement>(null);

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
    body = <p className="p-6 text-muted">Loading…</p>;
  } else if (servers.length === 0) {
    body = (
      <EmptyState
        icon="⌁"
        title="Add your first server"
        body="Ultrabase runs each Supabase project in its own Docker Compose stack on a Linux server you own. Add a server reachable over SSH; the first connection installs a small agent there."
        action={
          <Button variant="primary" onClick={() => openDialog({ kind: 'addServer' })}>
            Add a server
          </Button>
        }
      />
    );
  } else if (connected.length === 0) {
    const first = servers[0]!;
    body = (
      <EmptyState
        icon="⇄"
        title="No server is connected"
        body="Projects appear here once a server is connected. Connect one, or open a server in the sidebar to see why it failed."
        action={
          <div className="flex gap-2">
            <Button variant="primary" onClick={() => void connectServer(first.id)}>
              Connect {first.name}
            </Button>
            <Button onClick={() => navigate({ kind: 'server', serverId: first.id })}>
              Open server
            </Button>
          </div>
        }
      />
    );
  } else if (Object.keys(projects).length === 0) {
    body = (
      <EmptyState
        icon="✦"
        title="Create your first project"
        body="A project is a complete Supabase stack (Postgres, Auth, REST, Realtime, Storage, Studio) with its own ports and secrets. It takes a minute or two."
        action={
          <Button variant="primary" onClick={() => openDialog({ kind: 'create' })}>
            New project
          </Button>
        }
      />
    );
  } else if (cards.length === 0) {
    body = (
      <EmptyState
        title="No project matches"
        body="Try another name, or show every server."
        action={
          <Button onClick={() => setFilter({ query: '', serverId: 'all' })}>Clear filters</Button>
        }
      />
    );
  } else {
    body = (
      <div
        className="grid grid-cols-[repeat(auto-fill,minmax(290px,1fr))] gap-4 p-6"
        data-testid="project-grid"
      >
        {cards.map((p) => (
          <ProjectCard key={`${p.serverId}/${p.id}`} project={p} />
        ))}
      </div>
    );
  }

  return (
    <>
      <PageHeader
        title="Projects"
        subtitle={`${cards.length} shown · ${connected.length} of ${servers.length} servers connected`}
        actions={
          <>
            <input
              ref={search}
              type="search"
              aria-label="Search projects"
              placeholder="Search by name   /"
              value={filter.query}
              onChange={(e) => setFilter({ query: e.target.value })}
              className={`${inputClass} w-56`}
            />
            <select
              aria-label="Filter by server"
              value={filter.serverId}
              onChange={(e) => setFilter({ serverId: e.target.value })}
              className={`${inputClass} w-44`}
            >
              <option value="all">All servers</option>
              {servers.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            <Button
              variant="primary"
              disabled={connected.length === 0}
              onClick={() => openDialog({ kind: 'create' })}
              title="New project (Ctrl+N)"
            >
              New project
            </Button>
          </>
        }
      />
      {body}
    </>
  );
}
