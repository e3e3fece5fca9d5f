import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import type { SenderFrame } from './ipc-wrapper';

/**
 * The renderer is served from a privileged custom scheme instead of file:// (Electron's
 * security checklist): a file:// page may read any local file the CSP lets it name, and every
 * file:// URL shares one origin, so "is this our page?" could not be answered from the URL.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'ultrabase';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The page talks to nothing but the preload: no network, no plugins, no frames, no forms.
 * `style-src 'unsafe-inline'` is the one concession: xterm.js's DOM renderer injects a
 * <style> element for its theme and cell sizes. Scripts stay 'self' only, so no inline
 * script or eval can run even if markup were injected.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface BuildKind {
  /** app.isPackaged: a release build, where no one should open DevTools on the core's bridge. */
  isPackaged: boolean;
}

export function secureWebPreferences(preloadPath: string, build: BuildKind): WebPreferences {
  return {
    preload: preloadPath,
    // Removing the menu item is not enough: the shortcut and the webContents API still open them.
    devTools: !build.isPackaged,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

export function mainWindowOptions(
  preloadPath: string,
  bounds: { x?: number; y?: number; width: number; height: number },
  build: BuildKind,
): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Ultrabase',
    // Shown on 'ready-to-show' so the person never sees an empty white frame.
    show: false,
    backgroundColor: '#111827',
    webPreferences: secureWebPreferences(preloadPath, build),
  };
}

/** The renderer is designed not to break from 1024×700 up (issue 7). */
export const MIN_WINDOW_SIZE = { width: 1024, height: 700 } as const;

/** True only for the top frame of a document served from our own scheme and host. */
export function isOwnPage(frame: SenderFrame | null): boolean {
  if (frame === null || !frame.isMainFrame) return false;
  const url = parseUrl(frame.url);
  // Node's URL gives custom schemes the origin "null", so compare scheme and host instead.
  return url !== undefined && url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
}

/**
 * What to do when the page tries to leave (a link, `window.open`, `location = …`): it never
 * navigates and never opens another Electron window. Plain web links go to the person's
 * browser; anything else (file:, javascript:, custom handlers) is dropped.
 */
export type LeaveDecision = { action: 'deny' } | { action: 'deny'; openExternally: string };

export function decideLeave(targetUrl: string): LeaveDecision {
  const url = parseUrl(targetUrl);
  if (url === undefined) return { action: 'deny' };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { action: 'deny' };
  // A user:password@ part is a classic way to disguise where a link goes; refuse it.
  if (url.username !== '' || url.password !== '') return { action: 'deny' };
  return { action: 'deny', openExternally: url.href };
}

/**
 * Chromium permissions the page may have. Copy buttons (credentials, connection strings) use
 * the async clipboard API; everything else (camera, geolocation, notifications from the page,
 * …) is refused: notifications come from main.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return (
    ALLOWED_PERMISSIONS.has(permission) && isOwnPage({ url: requestingUrl, isMainFrame: true })
  );
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
