import type { SecretStore } from '../profiles/secret-store';
import type { TokenStore } from './agent-session';

/**
 * A server's agent session token in the OS keychain (never in settings.json), with the agent
 * user it was issued to: a token of another user than the profile now names is not resumed.
 * The agent keeps only the token's SHA-256 (state.json, 0600), expires it 24 h after the
 * login, and revokes it when the user's password changes or the user is disabled.
 */
export function agentTokenStore(
  serverId: string,
  secrets: SecretStore,
  remember: (secret: string) => void,
  agentUsername: () => string | undefined,
): TokenStore {
  return {
    async get() {
      const raw = await secrets.get(serverId, 'agentToken');
      if (!raw) return undefined;
      try {
        const kept = JSON.parse(raw) as { username?: unknown; token?: unknown };
        if (typeof kept.token !== 'string' || kept.username !== agentUsername()) return undefined;
        remember(kept.token);
        return kept.token;
      } catch {
        return undefined;
      }
    },
    async set(token) {
      remember(token);
      await secrets.set(
        serverId,
        'agentToken',
        JSON.stringify({ username: agentUsername(), token }),
      );
    },
    async clear() {
      await secrets.delete(serverId, 'agentToken');
    },
  };
}
