import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerProfile } from '@contract/api';
import { createProfileStore } from './profile-store';

const root = mkdtempSync(join(tmpdir(), 'ub-profiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const profile: ServerProfile = {
  id: 'srv-1',
  name: 'one',
  kind: 'ssh',
  host: 'example.com',
  port: 22,
  username: 'root',
  auth: 'agent',
  agentUsername: 'admin',
  createdAt: '2026-01-01T00:00:00.000Z',
};

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('profile store file (review 24c: the server inventory is not for other users)', () => {
  it('writes settings.json readable by its owner only', () => {
    const store = createProfileStore(join(root, 'fresh'));
    store.put(profile);
    store.updateSettings({ logTail: 50 });
    expect(modeOf(store.path)).toBe(0o600);
    expect(store.get('srv-1')).toEqual(profile);
  });

  it('tightens a settings.json an older version left world-readable', () => {
    const home = join(root, 'old');
    const first = createProfileStore(home);
    first.put(profile);
    chmodSync(first.path, 0o644);
    writeFileSync(first.path, JSON.stringify({ servers: { 'srv-1': profile } }), { mode: 0o644 });
    const store = createProfileStore(home);
    expect(modeOf(store.path)).toBe(0o600);
    expect(store.list()).toEqual([profile]);
  });
});
