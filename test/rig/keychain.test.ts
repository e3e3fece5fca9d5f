// Smoke test of the keychain rig: keytar against the real Secret Service that
// `dbus-run-session -- bash test/rig/with-keyring …` provides (an unlocked gnome-keyring).
import { randomBytes } from 'node:crypto';
import keytar from 'keytar';
import { describe, expect, it } from 'vitest';
import { deleteService, requireSessionBus, uniqueServiceName } from './keychain';

describe('keychain (gnome-keyring over D-Bus)', () => {
  it('stores, reads and deletes a secret through keytar', async () => {
    // Without a session bus keytar cannot reach any keyring; failing loudly here beats every
    // later credential test failing with an obscure libsecret error, or being skipped.
    requireSessionBus();
    const service = uniqueServiceName('rig');
    const account = 'root@203.0.113.10';
    const secret = `s3cr3t ${randomBytes(16).toString('base64')} ünïcødé`;

    expect(await keytar.getPassword(service, account)).toBeNull();
    await keytar.setPassword(service, account, secret);
    try {
      expect(await keytar.getPassword(service, account)).toBe(secret);
      expect(await keytar.findCredentials(service)).toEqual([{ account, password: secret }]);
      expect(await keytar.deletePassword(service, account)).toBe(true);
      expect(await keytar.getPassword(service, account)).toBeNull();
      expect(await keytar.deletePassword(service, account)).toBe(false);
    } finally {
      await deleteService(service);
    }
  });
});
