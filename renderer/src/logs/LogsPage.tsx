import { useCallback, useRef, useState } from 'react';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { inputClass } from '../ui/Field';
import { PageHeader } from '../ui/Panel';
import { LogTerminal, type LogStatus, type LogTerminalHandle } from './LogTerminal';

interface TabControls {
  follow: boolean;
  paused: boolean;
}

/** Every open log terminal stays mounted (hidden when not shown) so its stream keeps flowing. */
export function LogsPage({ visible }: { visible: boolean }) {
  const tabs = useApp((s) => s.logTabs);
  const active = useApp((s) => s.activeLogTab);
  const select = useApp((s) => s.selectLogTab);
  const closeTab = useApp((s) => s.closeLogTab);
  const navigate = useApp((s) => s.navigate);
  const handles = useRef(new Map<string, LogTerminalHandle>());
  const [status, setStatus] = useState<Record<string, LogStatus>>({});
  const [controls, setControls] = useState<Record<string, TabControls>>({});
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<boolean | null>(null);

  const onStatus = useCallback(
    (id: string, s: LogStatus) => setStatus((all) => ({ ...all, [id]: s })),
    [],
  );
  const current = tabs.find((t) => t.id === active) ?? null;
  const ctl: TabControls = (current && controls[current.id]) || { follow: true, paused: false };
  const st = current ? status[current.id] : undefined;
  const handle = current ? handles.current.get(current.id) : undefined;

  function setCtl(patch: Partial<TabControls>) {
    if (!current) return;
    const next = { ...ctl, ...patch };
    setControls((c) => ({ ...c, [current.id]: next }));
    if (patch.paused !== undefined) handle?.setPaused(patch.paused);
    if (patch.follow !== undefined) handle?.setFollow(patch.follow);
  }

  return (
    <div className={visible ? 'flex min-h-0 flex-1 flex-col' : 'hidden'}>
      <PageHeader title="Logs" subtitle={tabs.length === 0 ? undefined : `${tabs.length} open`} />
      {tabs.length === 0 ? (
        <EmptyState
          icon="▤"
          title="No logs open"
          body="Open a project and choose Logs, or a service's logs, to follow them live here. Several can be open at once."
          action={<Button onClick={() => navigate({ kind: 'projects' })}>Go to projects</Button>}
        />
      ) : (
        <>
          <div
            role="tablist"
            aria-label="Open logs"
            className="flex gap-0.5 overflow-x-auto border-b border-line bg-panel px-3 pt-2"
          >
            {tabs.map((t) => (
              <div
                key={t.id}
                className={`flex items-center rounded-t-md border border-b-0 ${t.id === active ? 'border-line bg-bg' : 'border-transparent'}`}
              >
                <button
                  role="tab"
                  type="button"
                  aria-selected={t.id === active}
                  onClick={() => select(t.id)}
                  className={`max-w-56 truncate px-3 py-1.5 text-xs ${t.id === active ? 'font-medium text-fg' : 'text-muted hover:text-fg'}`}
                >
                  {t.title}
                </button>
                <button
                  type="button"
                  aria-label={`Close ${t.title}`}
                  onClick={() => closeTab(t.id)}
                  className="mr-1 rounded px-1 text-xs text-muted hover:bg-raised hover:text-fg"
                >
                  ✕
                </button>
              </div>
            ))}
          </div>
          <div className="flex flex-wrap items-center gap-2 border-b border-line bg-bg px-3 py-2">
            <Button
              size="sm"
              variant={ctl.follow ? 'primary' : 'secondary'}
              aria-pressed={ctl.follow}
              onClick={() => setCtl({ follow: !ctl.follow })}
            >
              Follow
            </Button>
            <Button
              size="sm"
              aria-pressed={ctl.paused}
              onClick={() => setCtl({ paused: !ctl.paused })}
            >
              {ctl.paused ? 'Resume' : 'Pause'}
            </Button>
            <form
              className="flex items-center gap-1"
              onSubmit={(e) => {
                e.preventDefault();
                setFound(handle?.search(query) ?? false);
              }}
            >
              <input
                type="search"
                aria-label="Search in logs"
                placeholder="Search"
                value={query}
                onChange={(e) => {
                  setQuery(e.target.value);
                  setFound(null);
                }}
                className={`${inputClass} h-7 w-48`}
              />
              <Button size="sm" type="submit" aria-label="Next match">
                ↓
              </Button>
              <Button
                size="sm"
                aria-label="Previous match"
                onClick={() => setFound(handle?.search(query, true) ?? false)}
              >
                ↑
              </Button>
              {found === false && <span className="text-xs text-muted">No match</span>}
            </form>
            <span className="flex-1" />
            <span
              className="text-xs text-muted"
              data-testid="log-status"
              data-shown={st?.shown ?? 0}
              data-state={st?.state ?? 'opening'}
            >
              {st?.state === 'error'
                ? st.message
                : st?.state === 'ended'
                  ? 'ended'
                  : ctl.paused
                    ? 'paused'
                    : 'live'}{' '}
              · {(st?.shown ?? 0).toLocaleString()} lines
            </span>
            <Button size="sm" onClick={() => handle?.clear()}>
              Clear
            </Button>
            <Button size="sm" onClick={() => handle?.download()}>
              Download
            </Button>
          </div>
          <div className="min-h-0 flex-1 bg-[#fbfbfb] p-2 dark:bg-[#0e0e0e]">
            {tabs.map((t) => (
              <LogTerminal
                key={t.id}
                tab={t}
                visible={visible && t.id === active}
                onStatus={(s) => onStatus(t.id, s)}
                handle={(h) => {
                  if (h) handles.current.set(t.id, h);
                  else handles.current.delete(t.id);
                }}
              />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
