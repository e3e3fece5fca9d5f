import { UltrabaseError } from '@contract/errors';

export type SecretKind =
  | 'sshPassword'
  | 'keyPassphrase'
  | 'agentPassword'
  | 'agentToken'
  /** The server's backup repository password (restic), so backups outlive the server. */
  | 'backupRepositoryPassword'
  /** The credentials of the server's SFTP/S3 backup destinations (JSON, by destination id). */
  | 'backupDestinations';

/**
 * Where secrets live: the OS keychain in the app, a map in unit tests. Nothing else in the core
 * may hold a secret longer than one connection attempt.
 */
export interface SecretStore {
  get(serverId: string, kind: SecretKind): Promise<string | undefined>;
  set(serverId: string, kind: SecretKind, value: string): Promise<void>;
  delete(serverId: string, kind: SecretKind): Promise<void>;
}

export const KEYCHAIN_SERVICE = 'ultrabase';

export function keychainAccount(serverId: string, kind: SecretKind): string {
  return `${serverId}:${kind}`;
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

function keychainUnavailable(cause: unknown): UltrabaseError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new UltrabaseError(
    'KEYCHAIN_UNAVAILABLE',
    'The system keychain is not available, so Ultrabase cannot store or read passwords. ' +
      'On Linux, install and unlock a Secret Service provider (GNOME Keyring or KWallet) ' +
      'and make sure a D-Bus session is running, then try again.',
    { detail: detail.slice(0, 300) },
  );
}

/** The keytar-backed store (service 'ultrabase', account '<serverId>:<kind>'). */
export function createKeytarSecretStore(load?: () => Promise<Keytar>): SecretStore {
  let keytar: Promise<Keytar> | undefined;
  const lib = () => {
    // keytar is a native module: load it on first use so a missing build only affects secrets.
    keytar ??= (load ?? (async () => (await import('keytar')).default as Keytar))();
    return keytar;
  };
  const guard = async <T>(op: (k: Keytar) => Promise<T>): Promise<T> => {
    try {
      return await op(await lib());
    } catch (err) {
      throw keychainUnavailable(err);
    }
  };
  return {
    get: (id, kind) =>
      guard(
        async (k) =>
          (await k.getPassword(KEYCHAIN_SERVICE, keychainAccount(id, kind))) ?? undefined,
      ),
    set: (id, kind, value) =>
      guard((k) => k.setPassword(KEYCHAIN_SERVICE, keychainAccount(id, kind), value)),
    delete: (id, kind) =>
      guard(async (k) => {
        await k.deletePassword(KEYCHAIN_SERVICE, keychainAccount(id, kind));
      }),
  };
}

/** For unit tests and throwaway harnesses: secrets in memory only. */
export function createMemorySecretStore(): SecretStore & { dump(): Map<string, string> } {
  const map = new Map<string, string>();
  return {
    get: async (id, kind) => map.get(keychainAccount(id, kind)),
    set: async (id, kind, value) => void map.set(keychainAccount(id, kind), value),
    delete: async (id, kind) => void map.delete(keychainAccount(id, kind)),
    dump: () => new Map(map),
  };
}
