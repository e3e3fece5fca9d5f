// Keychain helpers for tests that store real secrets through keytar. The rig runs every
// integration and end-to-end test under `dbus-run-session -- bash test/rig/with-keyring`, which
// provides an unlocked, throwaway gnome-keyring on a private session bus.
import { randomBytes } from 'node:crypto';
import keytar from 'keytar';

/** Throws (never skips) when there is no session bus, with the command that provides one. */
export function requireSessionBus(): void {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    throw new Error(
      'DBUS_SESSION_BUS_ADDRESS is not set: run tests under ' +
        '`dbus-run-session -- bash test/rig/with-keyring npx vitest …` (npm test does this)',
    );
  }
}

/** A keychain service name no other test or run uses, so tests never see each other's secrets. */
export function uniqueServiceName(purpose = 'test'): string {
  return `ultrabase-${purpose}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every secret stored under `service` (for afterEach/afterAll). */
export async function deleteService(service: string): Promise<void> {
  for (const { account } of await keytar.findCredentials(service)) {
    await keytar.deletePassword(service, account);
  }
}
