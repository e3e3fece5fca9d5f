import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { UltrabaseError } from '@contract/errors';
import type { ServerProfile } from '@contract/api';

/** A stand-in ssh2 client: records what the link asks of the server. */
class FakeClient extends EventEmitter {
  asked: string[] = [];
  exec(command: string, cb: (err: Error | undefined, channel: unknown) => void): void {
    this.asked.push(`exec ${command}`);
    const channel = Object.assign(new PassThrough(), { stderr: new PassThrough() });
    cb(undefined, channel);
  }
  openssh_forwardOutStreamLocal(path: string, cb: (err: Error) => void): void {
    this.asked.push(`streamlocal ${path}`);
    cb(new Error('open failed'));
  }
  forwardOut(_a: string, _b: number, host: string, port: number, cb: (err: Error) => void): void {
    this.asked.push(`forward ${host}:${port}`);
    cb(new Error('(SSH) Channel open failure: administratively prohibited: open failed'));
  }
  end(): void {}
}

let client: FakeClient;
vi.mock('../ssh/connect', () => ({
  connectSsh: async () => client,
  checkPrivateKey: () => {},
}));
const { SshLink } = await import('./ssh-link');

function profile(access?: 'staff'): ServerProfile {
  return {
    id: 'srv-1',
    name: 'web',
    kind: 'ssh',
    host: '203.0.113.10',
    port: 22,
    username: 'ana',
    auth: 'agent',
    agentUsername: 'ana',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...(access ? { access } : {}),
  };
}

function link(p: ServerProfile) {
  const localAgent = vi.fn(async () => {
    throw new Error('a staff login must not read the local agent bundle');
  });
  const l = new SshLink(
    'srv-1',
    {
      profile: () => p,
      secrets: { get: async () => undefined } as never,
      knownHosts: async () => [],
      sshAgentSocket: '/tmp/agent.sock',
      localAgent,
      remember: () => {},
    },
    () => p.agentUsername,
  );
  return { l, localAgent };
}

describe('SshLink for a staff login', () => {
  beforeEach(() => {
    client = new FakeClient();
  });

  it('skips the bootstrap and opens the agent through the exec dial, never streamlocal', async () => {
    const { l, localAgent } = link(profile('staff'));
    const steps: string[] = [];
    await l.open((s) => steps.push(s));
    expect(client.asked).toEqual(['exec dial']);
    expect(localAgent).not.toHaveBeenCalled();
    expect(steps).toEqual(['ssh', 'tunnel']);
    expect(l.tunnel).toBe('dial');
    expect(l.bootstrap).toBeUndefined();
  });

  it('refuses port forwards at once with FORWARDING_REFUSED, without asking the server', async () => {
    const { l } = link(profile('staff'));
    await l.open();
    const err = await l.forward('127.0.0.1', 8000).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORWARDING_REFUSED', data: { port: 8000, staff: true } });
    expect(client.asked).toEqual(['exec dial']);
  });

  it('says a protocol mismatch needs an admin to update the agent', () => {
    const { l } = link(profile('staff'));
    const e = l.explainFailure(new UltrabaseError('AGENT_INCOMPATIBLE', 'protocol 3 vs 4'));
    expect(e.code).toBe('PROTOCOL_MISMATCH');
    expect(e.message).toMatch(/ask an admin to connect to web/);
  });
});

describe('SshLink for a full login', () => {
  beforeEach(() => {
    client = new FakeClient();
  });

  it('leaves a mismatch as it is (the bootstrap upgrades the agent)', () => {
    const { l } = link(profile());
    const original = new UltrabaseError('PROTOCOL_MISMATCH', 'old agent');
    expect(l.explainFailure(original)).toBe(original);
  });

  it('names a server-side forwarding refusal FORWARDING_REFUSED', async () => {
    const { l } = link(profile());
    // Connect without the bootstrap: the forward only needs the SSH client.
    (l as unknown as { client: FakeClient }).client = client;
    const err = await l.forward('127.0.0.1', 8000).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORWARDING_REFUSED', data: { port: 8000 } });
    expect(client.asked).toEqual(['forward 127.0.0.1:8000']);
  });
});
