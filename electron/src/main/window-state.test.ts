import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  clampToDisplays,
  createWindowStateStore,
  parseWindowState,
  type Rect,
  type StateFile,
} from './window-state';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1080 };
const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1440 };

function memoryFile(initial?: string): StateFile & { text: string | undefined } {
  const file = {
    text: initial,
    read: () => file.text,
    write: (text: string) => {
      file.text = text;
    },
  };
  return file;
}

describe('clampToDisplays', () => {
  it('keeps a window that is fully on a display', () => {
    const saved = { x: 2100, y: 100, width: 1400, height: 900, maximized: true };
    expect(clampToDisplays(saved, [laptop, rightMonitor], laptop)).toEqual(saved);
  });

  it('centres on the primary display a window whose monitor was unplugged', () => {
    const saved = { x: 2100, y: 100, width: 1400, height: 900, maximized: false };
    expect(clampToDisplays(saved, [laptop], laptop)).toEqual({
      x: 260,
      y: 90,
      width: 1400,
      height: 900,
      maximized: false,
    });
  });

  it('moves a window whose title bar went above the top of the screen', () => {
    const saved = { x: 100, y: -500, width: 1200, height: 800, maximized: false };
    const placed = clampToDisplays(saved, [laptop], laptop);
    expect(placed.y).toBeGreaterThanOrEqual(0);
  });

  it('pulls back a window that hangs off the edge but is still reachable', () => {
    const saved = { x: 1500, y: 200, width: 1200, height: 800, maximized: false };
    expect(clampToDisplays(saved, [laptop], laptop)).toMatchObject({ x: 720, y: 200 });
  });

  it('shrinks a window larger than a smaller display, down to it (never past it)', () => {
    const small: Rect = { x: 0, y: 0, width: 1000, height: 650 };
    const saved = { x: 0, y: 0, width: 2400, height: 1400, maximized: false };
    expect(clampToDisplays(saved, [small], small)).toEqual({
      x: 0,
      y: 0,
      width: 1000,
      height: 650,
      maximized: false,
    });
  });

  it('grows a window saved below the minimum size', () => {
    const saved = { x: 10, y: 10, width: 300, height: 200, maximized: false };
    expect(clampToDisplays(saved, [laptop], laptop)).toMatchObject({ width: 1024, height: 700 });
  });

  it('centres a first window (no saved position) on a display with an offset work area', () => {
    const primary: Rect = { x: 0, y: 32, width: 1920, height: 1048 };
    const placed = clampToDisplays(DEFAULT_WINDOW_STATE, [primary], primary);
    expect(placed).toEqual({ x: 320, y: 146, width: 1280, height: 820, maximized: false });
  });
});

describe('window state store', () => {
  it('round-trips what it saved', () => {
    const file = memoryFile();
    const store = createWindowStateStore(file);
    store.save({ x: 40, y: 50, width: 1300, height: 800, maximized: true });
    expect(store.load([laptop], laptop)).toEqual({
      x: 40,
      y: 50,
      width: 1300,
      height: 800,
      maximized: true,
    });
  });

  it.each(['', '{', 'null', '{"width":"big","height":2}', '{"width":-5,"height":900}'])(
    'falls back to the defaults for a broken file: %s',
    (text) => {
      const store = createWindowStateStore(memoryFile(text));
      expect(store.load([laptop], laptop)).toMatchObject({ width: 1280, height: 820 });
    },
  );

  it('refuses to save nonsense (NaN from a destroyed window)', () => {
    const file = memoryFile('{"width":1300,"height":800,"maximized":false}');
    createWindowStateStore(file).save({ width: Number.NaN, height: 800, maximized: false });
    expect(parseWindowState(JSON.parse(file.text ?? ''))).toMatchObject({ width: 1300 });
  });
});
