import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appResponseHeaders, resolveAppAsset } from './app-protocol';
import { CONTENT_SECURITY_POLICY } from './window-options';

const root = resolve('/opt/ultrabase/renderer');

describe('resolveAppAsset', () => {
  it('maps our URLs to files of the renderer build', () => {
    expect(resolveAppAsset(root, 'app://ultrabase/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://ultrabase/')).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://ultrabase/assets/index-AbC1.js?v=1#x')).toBe(
      join(root, 'assets', 'index-AbC1.js'),
    );
  });

  it.each(['app://ultrabase/../../etc/passwd', 'app://ultrabase/%2e%2e/%2e%2e/etc/passwd'])(
    'keeps the dot-segments of %s inside the build (the URL parser folds them)',
    (url) => {
      expect(resolveAppAsset(root, url)).toBe(join(root, 'etc', 'passwd'));
    },
  );

  it.each([
    'app://ultrabase/assets/..%2f..%2f..%2fetc/passwd',
    'app://ultrabase/..%5c..%5cwindows',
    'app://ultrabase/a%00.js',
    'app://ultrabase/%E0%A4%A',
    'app://other/index.html',
    'file:///opt/ultrabase/renderer/index.html',
    'garbage',
  ])('refuses %s', (url) => {
    expect(resolveAppAsset(root, url)).toBeUndefined();
  });
});

describe('appResponseHeaders', () => {
  it('sends the CSP and a content type with every response', () => {
    const headers = appResponseHeaders('/x/index.html');
    expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(appResponseHeaders('/x/a.js')['Content-Type']).toMatch(/^text\/javascript/);
    expect(appResponseHeaders('/x/a.unknown')['Content-Type']).toBe('application/octet-stream');
  });
});
