import type { Terminal } from '@xterm/xterm';

type Point = [number, number] | undefined;

interface RenderService {
  handleSelectionChanged(start: Point, end: Point, columnSelectMode: boolean): void;
}

/**
 * xterm 6.0.0 asks its renderer to redraw the selection after every scroll, whether or not
 * anything is selected, and the DOM renderer answers by rebuilding every row — a second time in
 * the same frame as its regular draw. In a 100,000-line flood a CPU profile put ~6% of the main
 * thread there (`handleSelectionChanged` → `renderRows`). With nothing selected before and
 * nothing now there is nothing to redraw, so those calls are skipped; a selection, and clearing
 * it, still redraw. This reaches into xterm's private render service (the version is pinned in
 * package.json): when it is not there the terminal is left as it is and this returns false.
 */
export function skipEmptySelectionRedraws(term: Terminal): boolean {
  const core = (term as unknown as { _core?: { _renderService?: Partial<RenderService> } })._core;
  const service = core?._renderService;
  const original = service?.handleSelectionChanged;
  if (!service || typeof original !== 'function') return false;
  let hadSelection = false;
  service.handleSelectionChanged = (start, end, columnSelectMode) => {
    const has = !!start && !!end;
    if (!has && !hadSelection) return;
    hadSelection = has;
    original.call(service, start, end, columnSelectMode);
  };
  return true;
}
