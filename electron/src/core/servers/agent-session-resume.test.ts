import { describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import { silentLogger } from '../logging/logger';
import type { SecretKind, SecretStore } from '../profiles/secret-store';
import { FakeAgent, FakeAgentLink } from '../testing/fake-agent-link';
import { AgentSession } from './agent-session';
import { agentTokenStore } from './agent-token-store';

/** A keychain in memory. */
function memorySecrets(): SecretStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  const key = (id: string, kind: SecretKind) => `${id}/${kind}`;
  return {
    values,
    get: async (id, kind) => values.get(key(id, kind)),
    set: async (id, kind, value) => void values.set(key(id, kind), value),
    delete: async (id, kind) => void values.delete(key(id, kind)),
  } as SecretStore & { values: Map<string, string> };
}

function setup(link?: FakeAgentLink) {
  const agent = link?.agent ?? new FakeAgent();
  const l = link ?? new FakeAgentLink(agent);
  const secrets = memorySecrets();
  const profile = { agentUsername: agent.username };
  const remembered: string[] = [];
  const session = new AgentSession({
    serverId: 's1',
    link: l,
    clientName: 'test',
    logger: silentLogger,
    retryDelay: () => 1,
    credentials: async () => ({ username: agent.username, password: agent.password }),
    tokenStore: agentTokenStore(
      's1',
      secrets,
      (s) => remembered.push(s),
      () => profile.agentUsername,
    ),
    hooks: { onStatus: () => {}, onEvent: () => {}, onLogData: () => {}, onLogEnd: () => {} },
  });
  return { agent, link: l, secrets, session, profile, remembered };
}

describe('AgentSession: resuming a kept session instead of a password login', () => {
  it('keeps the token in the keychain with its user, and the next connect resumes it in one go', async () => {
    const { agent, secrets, session, remembered } = setup();
    await session.connect();
    const kept = JSON.parse(secrets.values.get('s1/agentToken') ?? '{}');
    expect(kept.username).toBe(agent.username);
    expect(remembered).toContain(kept.token);
    await session.disconnect();
    agent.requests.length = 0;
    await session.connect();
    // hello, resume, subscribe and the list are written together; no scrypt login.
    expect(agent.requests).toEqual([
      'session.hello',
      'auth.resume',
      'events.subscribe',
      'instances.list',
    ]);
    expect(agent.count('auth.login')).toBe(0);
    await session.disconnect({ logout: true });
  });

  it('logs in with the password when the agent no longer knows the token, and keeps the new one', async () => {
    const { agent, secrets, session } = setup();
    await session.connect();
    await session.disconnect();
    const before = secrets.values.get('s1/agentToken');
    agent.forgetSessions(); // a revoked session (password changed, user disabled, expired)
    agent.requests.length = 0;
    await session.connect();
    expect(agent.requests).toContain('auth.login');
    expect(secrets.values.get('s1/agentToken')).not.toBe(before);
    await session.disconnect();
  });

  it('does not resume a token issued to another agent user than the profile now names', async () => {
    const { agent, session, profile } = setup();
    await session.connect();
    await session.disconnect();
    profile.agentUsername = 'someone-else';
    agent.requests.length = 0;
    await session.connect().catch(() => {});
    expect(agent.requests).not.toContain('auth.resume');
  });

  it('ends the agent session and forgets the token when the server is removed (logout)', async () => {
    const { agent, secrets, session } = setup();
    await session.connect();
    await session.disconnect({ logout: true });
    expect(agent.count('auth.logout')).toBe(1);
    expect(secrets.values.has('s1/agentToken')).toBe(false);
  });
});

/** A link that took its shortcut (no install probe) on the first open. */
class ShortcutLink extends FakeAgentLink {
  shortcutTaken = true;
  answeredWith: string[] = [];
  failFirstHello = false;
  override async open(): Promise<Duplex> {
    const channel = await super.open();
    if (this.failFirstHello && this.opens === 1) channel.destroy();
    return channel;
  }
  agentAnswered(version: string): boolean {
    this.answeredWith.push(version);
    if (!this.shortcutTaken) return true;
    this.shortcutTaken = false;
    return version === 'pinned-version';
  }
  forgetShortcut(): boolean {
    const was = this.shortcutTaken;
    this.shortcutTaken = false;
    return was;
  }
}

describe('AgentSession: a link that skipped its install probe', () => {
  it('opens again the long way when another agent version answered the shortcut', async () => {
    const link = new ShortcutLink(new FakeAgent());
    const { session } = setup(link);
    await session.connect();
    expect(link.opens).toBe(2);
    expect(session.status.state).toBe('connected');
    await session.disconnect();
  });

  it('opens again the long way when hello fails after the shortcut (no agent there any more)', async () => {
    const link = new ShortcutLink(new FakeAgent());
    link.failFirstHello = true;
    const { session } = setup(link);
    await session.connect();
    expect(link.opens).toBe(2);
    expect(session.status.state).toBe('connected');
    await session.disconnect();
  });
});
