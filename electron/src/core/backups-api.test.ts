import { describe, expect, it } from 'vitest';
import type { Instance } from '@protocol/types';
import type { ProjectView } from '@contract/api';
import { addBackupDestination, cloneBackupToServer, removeBackupDestination } from './backups-api';
import type { SecretKind, SecretStore } from './profiles/secret-store';
import type { AgentSession } from './servers/agent-session';

// The desktop's part of a clone onto another server: what it takes from the keychain, what it
// sends where, and what it refuses, with a map for a keychain and fake sessions.

function keychain(): SecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (s: string, k: SecretKind) => map.get(`${s}:${k}`),
    set: async (s: string, k: SecretKind, v: string) => void map.set(`${s}:${k}`, v),
    delete: async (s: string, k: SecretKind) => void map.delete(`${s}:${k}`),
  };
}

function session(answers: Record<string, unknown>, calls: Array<[string, unknown]>): AgentSession {
  return {
    call: async (method: string, params: unknown) => {
      calls.push([method, params]);
      return answers[method];
    },
  } as unknown as AgentSession;
}

const sftp = {
  kind: 'sftp' as const,
  name: 'storage box',
  host: 'box.example.com',
  port: 22,
  user: 'backup',
  path: '/srv/repo',
  // A fake key's armour, joined at run time so no secret scanner takes the file for a real key.
  privateKey: `-----BEGIN ${['OPENSSH', 'PRIVATE', 'KEY'].join(' ')}-----\n${'k'.repeat(60)}\n-----END ${['OPENSSH', 'PRIVATE', 'KEY'].join(' ')}-----`,
};
const project = (i: Instance) => ({ id: i.id, name: i.name }) as unknown as ProjectView;

describe('backups across servers (desktop core)', () => {
  it("keeps a destination's credentials in the keychain and forgets them on removal", async () => {
    const secrets = keychain();
    const calls: Array<[string, unknown]> = [];
    const remembered: string[] = [];
    const a = session(
      {
        'backups.destinations.add': { destination: { id: 'd0123456789', kind: 'sftp' } },
        'backups.destinations.remove': { ok: true },
      },
      calls,
    );
    await addBackupDestination({
      serverId: 'A',
      session: a,
      secrets,
      remember: (s) => remembered.push(s),
      input: sftp,
    });
    expect(remembered).toEqual([sftp.privateKey]);
    expect(JSON.parse(secrets.map.get('A:backupDestinations')!)).toEqual({ d0123456789: sftp });
    await removeBackupDestination({ serverId: 'A', session: a, secrets, id: 'd0123456789' });
    expect(JSON.parse(secrets.map.get('A:backupDestinations')!)).toEqual({});
    expect(calls.map(([m]) => m)).toEqual([
      'backups.destinations.add',
      'backups.destinations.remove',
    ]);
  });

  it('sends the target server the destination and the source password from the keychain alone', async () => {
    const secrets = keychain();
    await secrets.set('A', 'backupRepositoryPassword', 'pw-of-server-a');
    await secrets.set('A', 'backupDestinations', JSON.stringify({ d0123456789: sftp }));
    const calls: Array<[string, unknown]> = [];
    const remembered: string[] = [];
    const b = session(
      {
        'backups.import': {
          jobId: 'j0000000009',
          queuePosition: 0,
          instance: { id: 'new1', name: 'shop copy' },
          backupId: 'b20261202t0700z-abc',
          sourceInstanceId: 'p1',
        },
      },
      calls,
    );
    const result = await cloneBackupToServer({
      fromServerId: 'A',
      instanceId: 'p1',
      options: { toServer: 'B', name: 'shop copy' },
      secrets,
      remember: (s) => remembered.push(s),
      sourceSession: () => undefined, // server A is gone
      targetSession: b,
      project,
    });
    expect(result).toEqual({
      jobId: 'j0000000009',
      queuePosition: 0,
      project: { id: 'new1', name: 'shop copy' },
      backupId: 'b20261202t0700z-abc',
    });
    expect(calls).toEqual([
      [
        'backups.import',
        {
          source: { destination: sftp, password: 'pw-of-server-a' },
          from: { instanceId: 'p1' },
          name: 'shop copy',
        },
      ],
    ]);
    // both secrets are known to the redactor before they travel
    expect(remembered).toEqual(expect.arrayContaining(['pw-of-server-a', sftp.privateKey]));
  });

  it('fetches a missing password from a connected source server and keeps it', async () => {
    const secrets = keychain();
    await secrets.set('A', 'backupDestinations', JSON.stringify({ d0123456789: sftp }));
    const calls: Array<[string, unknown]> = [];
    const a = session({ 'backups.key': { password: 'fetched-pw', firstTime: false } }, calls);
    const b = session(
      {
        'backups.import': {
          jobId: 'j0000000009',
          queuePosition: 0,
          instance: { id: 'n' },
          backupId: 'b20261202t0700z-abc',
        },
      },
      calls,
    );
    await cloneBackupToServer({
      fromServerId: 'A',
      instanceId: 'p1',
      options: { toServer: 'B', name: 'c', backupId: 'b20261202t0700z-abc' },
      secrets,
      remember: () => {},
      sourceSession: () => a,
      targetSession: b,
      project,
    });
    expect(secrets.map.get('A:backupRepositoryPassword')).toBe('fetched-pw');
    expect(calls.map(([m]) => m)).toEqual(['backups.key', 'backups.import']);
    expect((calls[1]![1] as { from: unknown }).from).toEqual({
      instanceId: 'p1',
      backupId: 'b20261202t0700z-abc',
    });
  });

  it('refuses without the password, without credentials, or with several destinations unnamed', async () => {
    const calls: Array<[string, unknown]> = [];
    const b = session({}, calls);
    const attempt = (secrets: SecretStore, destination?: string) =>
      cloneBackupToServer({
        fromServerId: 'A',
        instanceId: 'p1',
        options: { toServer: 'B', name: 'c', ...(destination ? { destination } : {}) },
        secrets,
        remember: () => {},
        sourceSession: () => undefined,
        targetSession: b,
        project,
      });
    const none = keychain();
    await expect(attempt(none)).rejects.toMatchObject({
      code: 'SECRET_MISSING',
      data: { secret: 'backupRepositoryPassword' },
    });
    const noCredentials = keychain();
    await noCredentials.set('A', 'backupRepositoryPassword', 'pw-of-server-a');
    await expect(attempt(noCredentials, 'd0123456789')).rejects.toMatchObject({
      code: 'SECRET_MISSING',
      data: { secret: 'backupDestination' },
    });
    const two = keychain();
    await two.set('A', 'backupRepositoryPassword', 'pw-of-server-a');
    await two.set(
      'A',
      'backupDestinations',
      JSON.stringify({ d0000000001: sftp, d0000000002: sftp }),
    );
    await expect(attempt(two)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    expect(calls).toEqual([]);
  });
});
