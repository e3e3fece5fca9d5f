import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProfileStore } from '../profiles/profile-store';
import { createMemorySecretStore } from '../profiles/secret-store';
import { silentLogger } from '../logging/logger';
import { ServerDirectory } from './server-directory';

const root = mkdtempSync(join(tmpdir(), 'ub-directory-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function directory() {
  const secrets = createMemorySecretStore();
  const remembered: string[] = [];
  const store = createProfileStore(join(root, String(n++)));
  const dir = new ServerDirectory({
    store,
    secrets,
    withLocal: true,
    remember: (s) => remembered.push(s),
    logger: silentLogger,
  });
  return { dir, store, secrets, remembered };
}

describe('ServerDirectory', () => {
  it('lists "This computer" first, then profiles in the order they were added', async () => {
    const { dir } = directory();
    await dir.add({ name: 'b', host: 'b.example', auth: 'agent' });
    expect(dir.list().map((p) => p.name)).toEqual(['This computer', 'b']);
  });

  it('keeps secrets in the keychain only, remembered for redaction, and reports which exist', async () => {
    const { dir, secrets, remembered } = directory();
    const p = await dir.add({
      name: 'a',
      host: 'a.example',
      auth: 'password',
      secrets: { sshPassword: 'ssh-secret-1', agentPassword: 'agent-secret-1' },
    });
    expect(JSON.stringify(p)).not.toContain('secret');
    expect(remembered).toContain('ssh-secret-1');
    expect(await secrets.get(p.id, 'agentPassword')).toBe('agent-secret-1');
    const view = await dir.view(p, { state: 'disconnected' });
    expect(view.secrets).toEqual({ sshPassword: true, keyPassphrase: false, agentPassword: true });
    await dir.update(p.id, { secrets: { sshPassword: '' } });
    expect(await secrets.get(p.id, 'sshPassword')).toBeUndefined();
  });

  it('keeps the staff flag, defaults a staff agent user to the SSH user, and can clear it', async () => {
    const { dir, store } = directory();
    const p = await dir.add({
      name: 's',
      host: 's.example',
      auth: 'agent',
      username: 'ana',
      access: 'staff',
    });
    expect(p).toMatchObject({ access: 'staff', username: 'ana', agentUsername: 'ana' });
    expect(store.list().find((x) => x.id === p.id)?.access).toBe('staff');
    const full = await dir.update(p.id, { access: 'full' });
    expect(full.access).toBeUndefined();
    const plain = await dir.add({ name: 'p', host: 'p.example', auth: 'agent', username: 'ana' });
    expect(plain.agentUsername).toBe('admin');
  });

  it('forgets a pinned host key when the address changes, not when the name does', async () => {
    const { dir, store } = directory();
    const p = await dir.add({ name: 'a', host: 'a.example', auth: 'agent' });
    const pinned = { fingerprint: 'SHA256:x', algorithm: 'ssh-ed25519', trustedAt: 'now' };
    // Pinning goes through trustHostKey (which dials); here the store is primed directly.
    store.put({ ...p, hostKey: pinned });
    expect((await dir.update(p.id, { name: 'renamed' })).hostKey).toEqual(pinned);
    expect((await dir.update(p.id, { port: 2222 })).hostKey).toBeUndefined();
  });

  it('refuses to remove a jump host in use, or the built-in server', async () => {
    const { dir } = directory();
    const jump = await dir.add({ name: 'jump', host: 'j.example', auth: 'agent' });
    await dir.add({ name: 'inner', host: '10.0.0.2', auth: 'agent', jumpServerId: jump.id });
    expect(() => dir.checkRemovable(jump.id)).toThrow(/jump host of inner/);
    expect(() => dir.checkRemovable('local')).toThrow(/built in/);
    await expect(dir.update('local', { name: 'x' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
  });

  it('answers SERVER_NOT_FOUND with the id for an unknown server', () => {
    const { dir } = directory();
    expect(() => dir.require('srv-missing')).toThrow(
      expect.objectContaining({ code: 'SERVER_NOT_FOUND', data: { serverId: 'srv-missing' } }),
    );
  });
});
