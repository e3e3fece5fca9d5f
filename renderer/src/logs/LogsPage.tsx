import { useCallback, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { inputBase } from '../ui/Field';
import { PageHeader } from '../ui/Panel';
import { LogTerminal, type LogStatus, type LogTerminalHandle } from './LogTerminal';

interface TabControls {
  follow: boolean;
  paused: boolean;
}

/**
 * Each tab's latest status, outside React state: during a flood the line count changes a few
 * times a second, and only the status text below re-renders for it, not the page with its
 * terminals (which a CPU profile of a 100,000-line flood showed at ~3% of the main thread).
 */
class StatusBoard {
  private readonly all = new Map<string, LogStatus>();
  private readonly listeners = new Set<() => void>();
  set(id: string, status: LogStatus): void {
    this.all.set(id, status);
    this.listeners.forEach((l) => l());
  }
  get(id: string | undefined): LogStatus | undefined {
    return id === undefined ? undefined : this.all.get(id);
  }
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

function LogStatusText({
  board,
  tabId,
  paused,
}: {
  board: StatusBoard;
  tabId: string | undefined;
  paused: boolean;
}) {
  const { t } = useTranslation();
  const st = useSyncExternalStore(board.subscribe, () => board.get(tabId));
  return (
    <span
      className="text-xs text-muted"
      data-testid="log-status"
      data-shown={st?.shown ?? 0}
      data-state={st?.state ?? 'opening'}
    >
      {st?.state === 'error'
        ? st.message
        : st?.state === 'ended'
          ? t('logs.state.ended')
          : paused
            ? t('logs.state.paused')
            : t('logs.state.live')}{' '}
      · {t('logs.lines', { count: st?.shown ?? 0 })}
    </span>
  );
}

/** Every open log terminal stays mounted (hidden when not shown) so its stream keeps flowing. */
export function LogsPage({ visible }: { visible: boolean }) {
  const { t } = useTranslation();
  const tabs = useApp((s) => s.logTabs);
  const active = useApp((s) => s.activeLogTab);
  const select = useApp((s) => s.selectLogTab);
  const closeTab = useApp((s) => s.closeLogTab);
  const navigate = useApp((s) => s.navigate);
  const handles = useRef(new Map<string, LogTerminalHandle>());
  const [board] = useState(() => new StatusBoard());
  const [controls, setControls] = useState<Record<string, TabControls>>({});
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<boolean | null>(null);

  const onStatus = useCallback((id: string, s: LogStatus) => board.set(id, s), [board]);
  const current = tabs.find((t) => t.id === active) ?? null;
  const ctl: TabControls = (current && controls[current.id]) || { follow: true, paused: false };
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
      <PageHeader
        title={t('logs.title')}
        subtitle={tabs.length === 0 ? undefined : t('logs.open', { count: tabs.length })}
      />
      {tabs.length === 0 ? (
        <EmptyState
          icon="▤"
          title={t('logs.empty.title')}
          body={t('logs.empty.body')}
          action={
            <Button onClick={() => navigate({ kind: 'projects' })}>{t('logs.empty.action')}</Button>
          }
        />
      ) : (
        <>
          {/* A group of buttons, not a tablist: each tab has its own close button, which a
              tablist may not contain (axe-core: aria-required-children). */}
          <div
            role="group"
            aria-label={t('logs.tabs')}
            className="flex gap-0.5 overflow-x-auto border-b border-line bg-panel px-3 pt-2"
          >
            {tabs.map((tab) => (
              <div
                key={tab.id}
                className={`flex items-center rounded-t-md border border-b-0 ${tab.id === active ? 'border-line bg-bg' : 'border-transparent'}`}
              >
                <button
                  type="button"
                  aria-current={tab.id === active ? 'true' : undefined}
                  onClick={() => select(tab.id)}
                  className={`max-w-56 truncate px-3 py-1.5 text-xs ${tab.id === active ? 'font-medium text-fg' : 'text-muted hover:text-fg'}`}
                >
                  {tab.title}
                </button>
                <button
                  type="button"
                  aria-label={t('logs.closeTab', { title: tab.title })}
                  onClick={() => closeTab(tab.id)}
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
              {t('logs.follow')}
            </Button>
            <Button
              size="sm"
              aria-pressed={ctl.paused}
              onClick={() => setCtl({ paused: !ctl.paused })}
            >
              {ctl.paused ? t('logs.resume') : t('logs.pause')}
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
                aria-label={t('logs.search')}
                placeholder={t('logs.searchPlaceholder')}
                value={query}
                onChange={(e) => {
                  setQuery(e.target.value);
                  setFound(null);
                }}
                className={`${inputBase} h-7 w-48`}
              />
              <Button size="sm" type="submit" aria-label={t('logs.next')} title={t('logs.next')}>
                ↓
              </Button>
              <Button
                size="sm"
                aria-label={t('logs.previous')}
                title={t('logs.previous')}
                onClick={() => setFound(handle?.search(query, true) ?? false)}
              >
                ↑
              </Button>
              {found === false && <span className="text-xs text-muted">{t('logs.noMatch')}</span>}
            </form>
            <span className="flex-1" />
            <span className="text-xs text-muted" title={t('logs.stderrHint')}>
              <span className="font-mono text-danger">!</span> {t('logs.stderr')}
            </span>
            <LogStatusText board={board} tabId={current?.id} paused={ctl.paused} />
            <Button size="sm" onClick={() => handle?.clear()}>
              {t('logs.clear')}
            </Button>
            <Button size="sm" onClick={() => handle?.download()}>
              {t('logs.download')}
            </Button>
          </div>
          <div className="min-h-0 flex-1 bg-[#fbfbfb] p-2 dark:bg-[#0e0e0e]">
            {tabs.map((tab) => (
              <LogTerminal
                key={tab.id}
                tab={tab}
                visible={visible && tab.id === active}
                onStatus={(s) => onStatus(tab.id, s)}
                handle={(h) => {
                  if (h) handles.current.set(tab.id, h);
                  else handles.current.delete(tab.id);
                }}
              />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
