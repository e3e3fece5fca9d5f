import { z } from 'zod';
import { MIN_WINDOW_SIZE } from './window-options';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent until the window was placed once: the OS then centres it. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };

const stateSchema = z.object({
  x: z.number().int().finite().optional(),
  y: z.number().int().finite().optional(),
  width: z.number().int().positive().max(100_000),
  height: z.number().int().positive().max(100_000),
  maximized: z.boolean().default(false),
});

/** A hand-edited or half-written file must never keep the window from opening. */
export function parseWindowState(raw: unknown): WindowState | undefined {
  const parsed = stateSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * How much of the title-bar strip must lie on some display for the saved position to be kept:
 * enough to grab the window and drag it back.
 */
const MIN_VISIBLE = { width: 120, height: 40 } as const;

/**
 * Places a remembered window on today's displays. A monitor may have been unplugged or the
 * resolution lowered since it was saved; a window whose title bar is off every display could
 * not be reached. Such a window is centred on the primary display; its size always fits the
 * work area of the display it ends up on.
 */
export function clampToDisplays(
  saved: WindowState,
  workAreas: readonly Rect[],
  primary: Rect,
): WindowState {
  const home =
    saved.x !== undefined && saved.y !== undefined
      ? workAreas.find((area) => titleBarVisibleOn(saved as Required<WindowState>, area))
      : undefined;
  const area = home ?? primary;
  const width = fit(saved.width, MIN_WINDOW_SIZE.width, area.width);
  const height = fit(saved.height, MIN_WINDOW_SIZE.height, area.height);
  if (home === undefined || saved.x === undefined || saved.y === undefined) {
    return {
      x: Math.round(area.x + (area.width - width) / 2),
      y: Math.round(area.y + (area.height - height) / 2),
      width,
      height,
      maximized: saved.maximized,
    };
  }
  // Keep the saved position, nudged so the whole (possibly shrunk) window lies in the area.
  const x = Math.min(Math.max(saved.x, area.x), area.x + area.width - width);
  const y = Math.min(Math.max(saved.y, area.y), area.y + area.height - height);
  return { x, y, width, height, maximized: saved.maximized };
}

function titleBarVisibleOn(saved: Required<WindowState>, area: Rect): boolean {
  const titleBar: Rect = { x: saved.x, y: saved.y, width: saved.width, height: MIN_VISIBLE.height };
  const overlap = intersect(titleBar, area);
  return overlap.width >= Math.min(MIN_VISIBLE.width, saved.width) && overlap.height > 0;
}

function intersect(a: Rect, b: Rect): Rect {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) };
}

/** Prefer the saved size, never below the minimum, never above the display (which wins). */
function fit(value: number, min: number, max: number): number {
  return Math.max(1, Math.min(Math.max(value, min), max));
}

/** Disk access behind a tiny interface so the store's logic is tested without Electron. */
export interface StateFile {
  read(): string | undefined;
  /** Must replace the file atomically (a crash mid-write keeps the previous state). */
  write(text: string): void;
}

export interface WindowStateStore {
  load(workAreas: readonly Rect[], primary: Rect): WindowState;
  save(state: WindowState): void;
}

export function createWindowStateStore(file: StateFile): WindowStateStore {
  return {
    load(workAreas, primary) {
      let raw: unknown;
      try {
        const text = file.read();
        raw = text === undefined ? undefined : JSON.parse(text);
      } catch {
        raw = undefined;
      }
      return clampToDisplays(parseWindowState(raw) ?? DEFAULT_WINDOW_STATE, workAreas, primary);
    },
    save(state) {
      const valid = parseWindowState(state);
      if (valid !== undefined) file.write(`${JSON.stringify(valid)}\n`);
    },
  };
}
