// The harness bridge itself, in Chromium against the real core: every DesktopApi method exists
// on window.ultrabase, arguments are validated with the contract's schemas, failures keep their
// stable code, and pushed events reach the page. No VPS needed: profile calls stay local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_METHODS } from '@contract/api';
import { startStack, type Stack } from './support';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ viewport: { width: 1024, height: 700 } });
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

type Outcome = { ok: true; value: unknown } | { ok: false; code: unknown; message: string };

/** Runs one call in the page and reports its outcome as plain data. */
function call(method: string, args: unknown[]): Promise<Outcome> {
  return stack.page.evaluate(
    async ([m, a]) => {
      const api = window.ultrabase as unknown as Record<
        string,
        (...x: unknown[]) => Promise<unknown>
      >;
      try {
        return { ok: true as const, value: await api[m as string]!(...(a as unknown[])) };
      } catch (e) {
        const err = e as { code?: unknown; message: string };
        return { ok: false as const, code: err.code, message: err.message };
      }
    },
    [method, args] as const,
  );
}

describe('harness bridge', () => {
  it('defines one function per contract method, plus onEvent', async () => {
    const names = await stack.page.evaluate(() => Object.keys(window.ultrabase).sort());
    expect(names).toEqual([...DESKTOP_METHODS, 'onEvent'].sort());
  });

  it('refuses arguments the contract refuses, with INVALID_PARAMS, before the core sees them', async () => {
    const before = stack.harness.calls.get('addServer') ?? 0;
    const r = await call('addServer', [{ name: '', host: 'x', auth: 'key', extra: 1 }]);
    expect(r).toMatchObject({ ok: false, code: 'INVALID_PARAMS' });
    expect(stack.harness.calls.get('addServer') ?? 0).toBe(before);
  });

  it('passes the core’s stable error codes through', async () => {
    const r = await call('connectServer', ['no-such-server']);
    expect(r).toMatchObject({ ok: false, code: 'SERVER_NOT_FOUND' });
  });

  it('round-trips results and pushes events to the page', async () => {
    await stack.page.evaluate(() => {
      const w = window as unknown as { __events: unknown[] };
      w.__events = [];
      window.ultrabase.onEvent((e) => w.__events.push(e));
    });
    const added = await call('addServer', [
      {
        name: 'bridge-test',
        host: '192.0.2.1',
        auth: 'password',
        secrets: { sshPassword: 'pw-1' },
      },
    ]);
    expect(added.ok).toBe(true);
    const id = (added as { value: { id: string } }).value.id;
    // The secret went to the keychain; only its presence comes back.
    expect((added as { value: { secrets: unknown } }).value.secrets).toMatchObject({
      sshPassword: true,
    });
    expect(JSON.stringify(added)).not.toContain('pw-1');
    await call('removeServer', [id]);
    await expect
      .poll(() =>
        stack.page.evaluate(() =>
          (window as unknown as { __events: { type: string }[] }).__events.map((e) => e.type),
        ),
      )
      .toContain('server.removed');
    expect((await stack.desktop.listServers()).map((s) => s.id)).not.toContain(id);
  });

  it('stores settings in the core, and the UI follows them', async () => {
    expect(await call('updateSettings', [{ theme: 'dark' }])).toMatchObject({ ok: true });
    expect((await stack.desktop.getSettings()).theme).toBe('dark');
    await stack.page.reload();
    await expect
      .poll(() => stack.page.evaluate(() => document.documentElement.classList.contains('dark')))
      .toBe(true);
  });

  it('fits the smallest supported window without horizontal scrolling', async () => {
    const overflow = await stack.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
