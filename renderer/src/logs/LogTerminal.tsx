import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { attachWebglRenderer } from './webglRenderer';
import { skipEmptySelectionRedraws } from './selectionRedraw';
import type { LogLine } from '@contract/api';
import { toApiError } from '../api';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';
import { useApp } from '../app/store';
import { formatLogLine, plainLogLine } from './formatLine';
import { LogPump } from './logPump';
import { neutraliseTerminalControls } from './sanitize';
import { inTimeOrder } from './timeOrder';
import { darkTerminal, lightTerminal } from './terminalThemes';
import type { LogTab } from './logsSlice';
import { claimStream } from './streamRouter';
import { useDarkClass } from '../ui/useDarkClass';

/** Lines kept for download; older lines fall off (the terminal keeps its own scrollback). */
const KEEP_LINES = 200_000;

export interface LogTerminalHandle {
  search(term: string, backwards?: boolean): boolean;
  clear(): void;
  download(): void;
  setPaused(paused: boolean): void;
  setFollow(follow: boolean): void;
}

export interface LogStatus {
  state: 'opening' | 'live' | 'ended' | 'error';
  message?: string;
  shown: number;
  received: number;
}

export function LogTerminal({
  tab,
  visible,
  onStatus,
  handle,
}: {
  tab: LogTab;
  visible: boolean;
  onStatus: (status: LogStatus) => void;
  handle: Ref<LogTerminalHandle>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const api = useApp((s) => s.api);
  const logTail = useApp((s) => s.settings.logTail);
  const isDark = useDarkClass();
  const parts = useRef<{
    term: Terminal;
    fit: FitAddon;
    search: SearchAddon;
    pump: LogPump;
    lines: LogLine[];
    follow: boolean;
  } | null>(null);
  const [ready, setReady] = useState(false);
  const statusRef = useRef(onStatus);
  statusRef.current = onStatus;

  useEffect(() => {
    const term = new Terminal({
      convertEol: false,
      disableStdin: true,
      cursorBlink: false,
      scrollback: 50_000,
      fontSize: 12,
      fontFamily: "'JetBrains Mono', 'DejaVu Sans Mono', monospace",
      theme: document.documentElement.classList.contains('dark') ? darkTerminal : lightTerminal,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, '_blank', 'noopener')));
    term.open(host.current!);
    let gpuDraw = false;
    const webgl = attachWebglRenderer(term, () => (gpuDraw = false));
    gpuDraw = webgl !== undefined;
    // Nothing selected, nothing to redraw: skip xterm's redraw of the selection on each scroll.
    skipEmptySelectionRedraws(term);
    const lines: LogLine[] = [];
    const state = { term, fit, search, lines, follow: true } as {
      term: Terminal;
      fit: FitAddon;
      search: SearchAddon;
      pump: LogPump;
      lines: LogLine[];
      follow: boolean;
    };
    let stream: string | null = null;
    let release: (() => void) | null = null;
    let closed = false;
    let status: LogStatus = { state: 'opening', shown: 0, received: 0 };
    let countTimer: ReturnType<typeof setTimeout> | undefined;
    const report = (patch: Partial<LogStatus>) => {
      status = { ...status, ...patch };
      statusRef.current(status);
    };

    state.pump = new LogPump(
      {
        write: (data, done) =>
          term.write(data, () => {
            if (state.follow) term.scrollToBottom();
            done();
          }),
      },
      (bytes) => {
        if (stream) void api.ackStream(stream, bytes).catch(() => undefined);
        // The line counter re-renders the toolbar: a few times a second is plenty.
        if (!countTimer) {
          countTimer = setTimeout(() => {
            countTimer = undefined;
            report({ shown: state.pump.shownLines, received: state.pump.receivedLines });
          }, 200);
        }
      },
      // The width when the line is formatted: lines already shown keep their wrapping on a resize.
      (line) => formatLogLine(line, tab.service === undefined, term.cols),
      // One write per frame, sized to what xterm parses within it (logPump.ts).
      (run) => requestAnimationFrame(run),
      () => performance.now(),
      // All caught up: show the final count without waiting for the counter's tick, once no
      // more data came for a frame (during a flood this never fires: no re-render per batch).
      () =>
        requestAnimationFrame(() => {
          if (closed || state.pump.queuedChunks > 0 || state.pump.writing) return;
          report({ shown: state.pump.shownLines, received: state.pump.receivedLines });
        }),
      // The DOM renderer's draw gets a frame of its own during a flood; WebGL's does not need it.
      () => !gpuDraw,
    );
    parts.current = state;
    setReady(true);

    const options: { service?: string; tail?: number } = { tail: logTail };
    if (tab.service !== undefined) options.service = tab.service;
    api.followLogs(tab.serverId, tab.instanceId, options).then(
      (r) => {
        if (closed) {
          void api.closeStream(r.stream).catch(() => undefined);
          return;
        }
        stream = r.stream;
        report({ state: 'live' });
        release = claimStream(r.stream, (event) => {
          if (event.type === 'stream.data') {
            // Several services in one terminal: show each batch in time order.
            const batch = tab.service === undefined ? inTimeOrder(event.lines) : event.lines;
            for (const l of batch) lines.push(l);
            if (lines.length > KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
            state.pump.push(batch, event.bytes);
          } else {
            report(
              event.error
                ? { state: 'error', message: errorText(event.error) }
                : { state: 'ended' },
            );
            term.write(
              `\r\n\x1b[90m── ${t('logs.streamEnded')}${event.error ? `: ${neutraliseTerminalControls(errorText(event.error))}` : ''} ──\x1b[0m\r\n`,
            );
          }
        });
      },
      (e: unknown) => {
        const error = toApiError(e);
        report({ state: 'error', message: errorText(error) });
        term.write(`\x1b[31m${neutraliseTerminalControls(errorText(error))}\x1b[0m\r\n`);
      },
    );

    return () => {
      closed = true;
      clearTimeout(countTimer);
      release?.();
      state.pump.close();
      if (stream) void api.closeStream(stream).catch(() => undefined);
      webgl?.dispose();
      term.dispose();
      parts.current = null;
    };
    // A tab is one stream for its whole life; the tail setting applies to new tabs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, tab.id]);

  useEffect(() => {
    const p = parts.current;
    if (!p) return;
    p.term.options.theme = isDark ? darkTerminal : lightTerminal;
  }, [isDark, ready]);

  useEffect(() => {
    if (!visible || !ready || !host.current) return;
    const p = parts.current;
    const refit = () => {
      try {
        p?.fit.fit();
      } catch {}
    };
    refit();
    const observer = new ResizeObserver(refit);
    observer.observe(host.current);
    return () => observer.disconnect();
  }, [visible, ready]);

  useImperativeHandle(
    handle,
    () => ({
      search(term, backwards = false) {
        const p = parts.current;
        if (!p || term === '') return false;
        const opts = {
          decorations: {
            matchOverviewRuler: '#f5a623',
            activeMatchColorOverviewRuler: '#3ecf8e',
            matchBackground: '#f5a62366',
            activeMatchBackground: '#3ecf8e99',
          },
        };
        return backwards ? p.search.findPrevious(term, opts) : p.search.findNext(term, opts);
      },
      clear() {
        const p = parts.current;
        if (!p) return;
        p.term.clear();
        p.lines.length = 0;
      },
      download() {
        const p = parts.current;
        if (!p) return;
        const blob = new Blob(p.lines.map(plainLogLine), { type: 'text/plain' });
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = `${tab.title.replace(/[^\w.-]+/g, '_')}.log`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 1_000);
      },
      setPaused(paused) {
        parts.current?.pump.setPaused(paused);
      },
      setFollow(follow) {
        const p = parts.current;
        if (!p) return;
        p.follow = follow;
        if (follow) p.term.scrollToBottom();
      },
    }),
    [tab.title],
  );

  return (
    <div
      ref={host}
      data-testid="log-terminal"
      data-tab={tab.id}
      className={`h-full w-full ${visible ? '' : 'hidden'}`}
    />
  );
}
