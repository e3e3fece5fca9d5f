import { describe, expect, it } from 'vitest';
import { DESKTOP_METHODS, type ServerView } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { createIpcCalls, type DesktopHandlers, type SenderFrame } from './ipc-wrapper';
import { isOwnPage } from './window-options';

const OWN: SenderFrame = { url: 'app://ultrabase/index.html', isMainFrame: true };

/** A fake core recording calls; every method not listed rejects so a wrong route shows. */
function fakeCore(overrides: Partial<DesktopHandlers> = {}): {
  core: DesktopHandlers;
  calls: Array<{ method: string; args: unknown[] }>;
} {
  const calls: Array<{ method: string; args: unknown[] }> = [];
  const core = {} as Record<string, unknown>;
  for (const method of DESKTOP_METHODS) {
    const override = overrides[method] as ((...args: unknown[]) => unknown) | undefined;
    core[method] = async (...args: unknown[]) => {
      calls.push({ method, args });
      if (override) return override(...args);
      return { echoed: method };
    };
  }
  return { core: core as unknown as DesktopHandlers, calls };
}

describe('createIpcCalls', () => {
  it('registers exactly one call per contract method', () => {
    const { core } = fakeCore();
    const calls = createIpcCalls(core, { isTrustedSender: isOwnPage });
    expect(Object.keys(calls).sort()).toEqual([...DESKTOP_METHODS].sort());
  });

  it('passes a valid call from our own page to the core and returns {result}', async () => {
    const view = { id: 's1', name: 'one' } as ServerView;
    const { core, calls } = fakeCore({ connectServer: async () => view });
    const ipc = createIpcCalls(core, { isTrustedSender: isOwnPage });
    await expect(ipc.connectServer(OWN, ['s1'])).resolves.toEqual({ result: view });
    expect(calls).toEqual([{ method: 'connectServer', args: ['s1'] }]);
  });

  it('fills omitted optional arguments instead of refusing them', async () => {
    const { core, calls } = fakeCore();
    const ipc = createIpcCalls(core, { isTrustedSender: isOwnPage });
    await expect(ipc.listProjects(OWN, [])).resolves.toEqual({
      result: { echoed: 'listProjects' },
    });
    await expect(ipc.readSshConfig(OWN, [])).resolves.toHaveProperty('result');
    expect(calls.map((c) => c.method)).toEqual(['listProjects', 'readSshConfig']);
  });

  it.each([
    ['an iframe of our page', { url: 'app://ultrabase/index.html', isMainFrame: false }],
    ['a remote page', { url: 'https://evil.example/index.html', isMainFrame: true }],
    ['a local file', { url: 'file:///tmp/index.html', isMainFrame: true }],
    ['our scheme with another host', { url: 'app://evil/index.html', isMainFrame: true }],
    ['a frame that is gone', null],
  ])('refuses %s with FORBIDDEN and never reaches the core', async (_name, frame) => {
    const { core, calls } = fakeCore();
    const ipc = createIpcCalls(core, { isTrustedSender: isOwnPage });
    const reply = await ipc.removeServer(frame, ['s1']);
    expect(reply).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    expect(calls).toEqual([]);
  });

  it('checks the sender before the arguments, so a foreign frame learns nothing', async () => {
    const { core } = fakeCore();
    const ipc = createIpcCalls(core, { isTrustedSender: isOwnPage });
    const reply = await ipc.removeServer({ url: 'https://x.example/', isMainFrame: true }, [42]);
    expect(reply).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it.each([
    ['not a list', 'connectServer', 's1'],
    ['a wrong type', 'connectServer', [42]],
    ['a missing required argument', 'connectServer', []],
    ['an extra argument', 'connectServer', ['s1', 'extra']],
    ['an empty id', 'connectServer', ['']],
    ['an unknown key in an object', 'createProject', ['s1', { name: 'a', evil: true }]],
    ['an out-of-range port', 'addServer', [{ name: 'a', host: 'h', auth: 'agent', port: 70000 }]],
    ['a negative ack', 'ackStream', ['st1', -1]],
    ['an unknown enum value', 'openProject', ['s1', 'i1', 'shell']],
  ] as const)('refuses %s with INVALID_PARAMS', async (_name, method, args) => {
    const { core, calls } = fakeCore();
    const ipc = createIpcCalls(core, { isTrustedSender: isOwnPage });
    const reply = await ipc[method](OWN, args);
    expect(reply).toMatchObject({ error: { code: 'INVALID_PARAMS' } });
    expect(calls).toEqual([]);
  });

  it('passes the core coded errors through with their data, but no stack', async () => {
    const { core } = fakeCore({
      connectServer: async () => {
        throw new UltrabaseError('HOST_KEY_UNKNOWN', 'Confirm the host key.', {
          host: 'h',
          port: 22,
          algorithm: 'ssh-ed25519',
          fingerprint: 'SHA256:abc',
        });
      },
    });
    const ipc = createIpcCalls(core, { isTrustedSender: isOwnPage });
    const reply = await ipc.connectServer(OWN, ['s1']);
    expect(reply).toEqual({
      error: {
        code: 'HOST_KEY_UNKNOWN',
        message: 'Confirm the host key.',
        data: { host: 'h', port: 22, algorithm: 'ssh-ed25519', fingerprint: 'SHA256:abc' },
      },
    });
  });

  it('turns unexpected errors (bugs, Node system errors) into INTERNAL without their message', async () => {
    const seen: string[] = [];
    const nodeError = Object.assign(new Error("ENOENT: no such file '/home/a/.ssh/id'"), {
      code: 'ENOENT',
    });
    const { core } = fakeCore({
      listServers: async () => {
        throw nodeError;
      },
    });
    const ipc = createIpcCalls(core, {
      isTrustedSender: isOwnPage,
      onUnexpectedError: (method) => seen.push(method),
    });
    const reply = await ipc.listServers(OWN, []);
    expect(reply).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(JSON.stringify(reply)).not.toContain('.ssh');
    expect(seen).toEqual(['listServers']);
  });

  it('calls a class-based core with its own `this`', async () => {
    class Core {
      private readonly prefix = 'from-core';
      async getSettings() {
        return { theme: this.prefix };
      }
    }
    const { core } = fakeCore();
    const instance = Object.assign(new Core(), {
      ...core,
      getSettings: Core.prototype.getSettings,
    });
    const ipc = createIpcCalls(instance as unknown as DesktopHandlers, {
      isTrustedSender: isOwnPage,
    });
    await expect(ipc.getSettings(OWN, [])).resolves.toEqual({ result: { theme: 'from-core' } });
  });
});
