import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  decideLeave,
  isOwnPage,
  isPermissionAllowed,
  mainWindowOptions,
  secureWebPreferences,
} from './window-options';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name ?? '', values];
    }),
  );
}

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the page, with no Node and no <webview> (issue 8)', () => {
    const prefs = secureWebPreferences('/app/preload.cjs', { isPackaged: true });
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  it('turns DevTools off in packaged builds, not only their menu item (review 24b)', () => {
    expect(secureWebPreferences('/p.cjs', { isPackaged: true }).devTools).toBe(false);
    expect(secureWebPreferences('/p.cjs', { isPackaged: false }).devTools).toBe(true);
    const packaged = mainWindowOptions(
      '/p.cjs',
      { width: 1300, height: 800 },
      { isPackaged: true },
    );
    expect(packaged.webPreferences?.devTools).toBe(false);
  });

  it('uses them for the main window, which starts hidden and no smaller than 1024×700', () => {
    const options = mainWindowOptions('/p.cjs', { width: 1300, height: 800 }, { isPackaged: true });
    expect(options.webPreferences).toEqual(secureWebPreferences('/p.cjs', { isPackaged: true }));
    expect(options).toMatchObject({ show: false, minWidth: 1024, minHeight: 700, width: 1300 });
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it('denies by default and allows scripts from our own origin only', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const value of CONTENT_SECURITY_POLICY.split(/\s+/)) {
      expect(["'unsafe-eval'", 'http:', 'https:', '*', 'blob:']).not.toContain(value);
    }
  });

  it('lets the page reach no network and embed nothing', () => {
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    for (const name of ['object-src', 'frame-src', 'base-uri', 'form-action', 'frame-ancestors']) {
      expect(csp.get(name), name).toEqual(["'none'"]);
    }
  });

  it("keeps 'unsafe-inline' to styles (xterm's theme element) and out of scripts", () => {
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  });
});

describe('isOwnPage', () => {
  it('accepts the top frame of our scheme and host, whatever the path or hash', () => {
    expect(isOwnPage({ url: APP_ENTRY_URL, isMainFrame: true })).toBe(true);
    expect(isOwnPage({ url: 'app://ultrabase/index.html#/projects', isMainFrame: true })).toBe(
      true,
    );
  });

  it.each([
    'app://ultrabase.evil/index.html',
    'app://evil/ultrabase/index.html',
    'file:///opt/Ultrabase/resources/app.asar/dist/renderer/index.html',
    'http://localhost:5173/',
    'about:blank',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isOwnPage({ url, isMainFrame: true })).toBe(false);
  });

  it('refuses subframes and vanished frames', () => {
    expect(isOwnPage({ url: APP_ENTRY_URL, isMainFrame: false })).toBe(false);
    expect(isOwnPage(null)).toBe(false);
  });
});

describe('decideLeave (navigation and window.open)', () => {
  it('never navigates, but hands http(s) links to the system browser', () => {
    expect(decideLeave('https://supabase.com/docs')).toEqual({
      action: 'deny',
      openExternally: 'https://supabase.com/docs',
    });
    expect(decideLeave('http://127.0.0.1:8000/')).toEqual({
      action: 'deny',
      openExternally: 'http://127.0.0.1:8000/',
    });
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://server/share',
    'app://ultrabase/other.html',
    'ms-msdt:/id',
    'https://user:pass@example.com/',
    '',
  ])('opens nothing for %s', (url) => {
    expect(decideLeave(url)).toEqual({ action: 'deny' });
  });
});

describe('isPermissionAllowed', () => {
  it('allows only clipboard writes, and only for our page', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', APP_ENTRY_URL)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://x.example/')).toBe(false);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      expect(isPermissionAllowed(permission, APP_ENTRY_URL), permission).toBe(false);
    }
  });
});
