import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { AuthService } from '../auth/service';
import { hashToken } from '../auth/tokens';
import { StateStore } from '../state/store';
import { FakeStaffOs } from './fake-os';
import { StaffService } from './service';
import { FileStaffStore, MemoryStaffStore } from './store';
import { ed25519Line } from './test-keys';

const fastHash = (p: string) => hashPassword(p, { N: 1024, r: 8, p: 1 });
const DIAL = {
  node: '/usr/bin/node',
  script: '/opt/ultrabase/agent/1.0.0/agent.cjs',
  socket: '/run/ultrabase/agent.sock',
};

let dir: string;
let os: FakeStaffOs;
let auth: AuthService;
let store: MemoryStaffStore;
let staff: StaffService;
let undoFailures: string[];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-staff-'));
  const now = () => new Date('2030-01-01T00:00:00Z');
  auth = new AuthService({ store: await StateStore.open(dir), now, hash: fastHash });
  await auth.createAdmin('admin', 'admin-password', false);
  os = new FakeStaffOs();
  os.giveSocketTo('ultrabase');
  store = new MemoryStaffStore();
  undoFailures = [];
  staff = new StaffService({
    os,
    auth,
    store,
    dial: DIAL,
    now,
    onUndoFailed: (what) => undoFailures.push(what),
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};
const request = (over: Partial<Parameters<StaffService['add']>[0]> = {}) => ({
  username: 'ana',
  password: 'ana-password',
  role: 'user' as const,
  publicKey: ed25519Line('ana@laptop'),
  ...over,
});
const usernames = () => auth.listUsers().map((u) => u.username);

describe('staff.add', () => {
  it('creates a key-only account in the ultrabase group only, whose key may only dial', async () => {
    const req = request();
    const { member, user } = await staff.add(req);
    expect(user).toMatchObject({ username: 'ana', role: 'user' });
    expect(member).toMatchObject({ username: 'ana', uid: 1001, agentUser: true });
    const account = os.accounts.get('ana')!;
    expect(account).toMatchObject({ home: '/home/ana', shell: '/bin/sh' });
    expect(await os.groupsOf('ana')).toEqual(['ultrabase']);
    const keys = os.files.get('/home/ana/.ssh/authorized_keys')!;
    const [, blob] = req.publicKey.split(' ');
    expect(keys.content).toBe(
      'restrict,command="/usr/bin/node /opt/ultrabase/agent/1.0.0/agent.cjs dial --socket ' +
        `/run/ultrabase/agent.sock --as ana" ssh-ed25519 ${blob} ultrabase-staff:ana\n`,
    );
    expect(keys).toMatchObject({ uid: 0, mode: 0o644 });
    expect(staff.list()).toEqual([member]);
  });

  it('opens the dial path to the group (traverse, read) and nothing more', async () => {
    const gid = os.groups.get('ultrabase')!.gid;
    await staff.add(request());
    expect(os.files.get('/opt/ultrabase/agent/1.0.0')).toMatchObject({ gid, mode: 0o710 });
    expect(os.files.get('/opt/ultrabase/agent/1.0.0/agent.cjs')).toMatchObject({
      gid,
      mode: 0o640,
    });
    expect(os.files.get('/run/ultrabase')).toMatchObject({ gid, mode: 0o710 });
    // Already open to everyone: left as it was.
    expect(os.files.get('/opt/ultrabase')).toMatchObject({ gid: 0, mode: 0o755 });
  });

  it('refuses, before changing anything, a path the agent does not own', async () => {
    os.files.get('/usr/bin')!.mode = 0o700;
    expect(await codeOf(staff.add(request()))).toBe('STAFF_UNSUPPORTED');
    expect(os.accounts.has('ana')).toBe(false);
    expect(usernames()).toEqual(['admin']);
  });

  it('refuses while the socket is not in the group (the socketGroup setting)', async () => {
    os.files.get('/run/ultrabase/agent.sock')!.gid = 0;
    expect(await codeOf(staff.add(request()))).toBe('STAFF_UNSUPPORTED');
    expect(os.calls.filter((c) => c.startsWith('createAccount'))).toEqual([]);
  });

  it('never adopts an existing account or home folder', async () => {
    os.accounts.set('deploy', {
      name: 'deploy',
      uid: 4100,
      gid: 4100,
      home: '/home/deploy',
      shell: '/bin/bash',
    });
    expect(await codeOf(staff.add(request({ username: 'deploy' })))).toBe('ACCOUNT_EXISTS');
    expect(await codeOf(staff.add(request({ username: 'root' })))).toBe('ACCOUNT_EXISTS');
    os.files.set('/home/bob', { uid: 5, gid: 5, mode: 0o700, isDirectory: true, isSocket: false });
    expect(await codeOf(staff.add(request({ username: 'bob' })))).toBe('ACCOUNT_EXISTS');
    expect(os.files.has('/home/deploy/.ssh/authorized_keys')).toBe(false);
    expect(
      os.calls.filter((c) => !c.startsWith('setGroupAccess') && !c.startsWith('createGroup')),
    ).toEqual([]);
  });

  it('refuses an agent user that exists already, a bad name, a bad key or a weak password', async () => {
    expect(await codeOf(staff.add(request({ username: 'admin' })))).toBe('USER_EXISTS');
    for (const username of ['Ana', 'a.b', '-a', 'a b', 'ana;id', '', 'a'.repeat(32), '../x']) {
      expect(await codeOf(staff.add(request({ username }))), username).toBe('INVALID_PARAMS');
    }
    const badKey = `command="sh" ${ed25519Line()}`;
    expect(await codeOf(staff.add(request({ publicKey: badKey })))).toBe('INVALID_PUBLIC_KEY');
    expect(await codeOf(staff.add(request({ password: 'short' })))).toBe('WEAK_PASSWORD');
    expect(os.accounts.size).toBe(1);
  });

  it('needs a root agent with a socket', async () => {
    os.agentUid = 1000;
    expect(await codeOf(staff.add(request()))).toBe('STAFF_UNSUPPORTED');
    const noSocket = new StaffService({
      os: new FakeStaffOs(),
      auth,
      store,
      dial: undefined,
      now: () => new Date(),
    });
    expect(await codeOf(noSocket.add(request()))).toBe('STAFF_UNSUPPORTED');
    expect(usernames()).toEqual(['admin']);
  });

  it('undoes the Linux account when the agent user cannot be made', async () => {
    // Another admin took the name between the check and the creation.
    const racing = {
      listUsers: () => auth.listUsers(),
      createUser: async (username: string, password: string, role: 'admin' | 'user') => {
        await auth.createUser(username, password, role);
        return auth.createUser(username, password, role);
      },
      deleteUser: (username: string) => auth.deleteUser(username),
    };
    const s = new StaffService({ os, auth: racing, store, dial: DIAL, now: () => new Date() });
    expect(await codeOf(s.add(request()))).toBe('USER_EXISTS');
    expect(os.accounts.has('ana')).toBe(false);
    expect(os.files.has('/home/ana')).toBe(false);
    expect(store.list()).toEqual([]);
    expect(undoFailures).toEqual([]);
  });

  it('undoes the Linux account when writing the key fails', async () => {
    os.failOn.add('writeAuthorizedKeys');
    expect(await codeOf(staff.add(request()))).not.toBe('ok');
    expect(os.accounts.has('ana')).toBe(false);
    expect(usernames()).toEqual(['admin']);
    expect(store.list()).toEqual([]);
  });

  it('undoes an account that useradd put in other groups such as docker', async () => {
    os.extraGroupsOnCreate = ['docker'];
    expect(await codeOf(staff.add(request()))).toBe('STAFF_UNSUPPORTED');
    expect(os.accounts.has('ana')).toBe(false);
    expect(os.groups.get('docker')!.members).toEqual(['deploy']);
    expect(usernames()).toEqual(['admin']);
  });
});

describe('staff.remove', () => {
  it('removes the agent user (and its sessions), the processes, the keys and the account', async () => {
    await staff.add(request());
    const session = await auth.login('ana', 'ana-password');
    await staff.remove('ana');
    expect(usernames()).toEqual(['admin']);
    expect(await codeOf(auth.login('ana', 'ana-password'))).toBe('INVALID_CREDENTIALS');
    expect(() => auth.authenticate(hashToken(session.token))).toThrow(/expired or was revoked/);
    expect(os.accounts.has('ana')).toBe(false);
    expect(os.files.has('/home/ana')).toBe(false);
    expect(os.killed).toEqual([1001]);
    expect(staff.list()).toEqual([]);
    const order = os.calls.filter((c) => /removeHome|killProcessesOf|deleteAccount/.test(c));
    expect(order).toEqual(['removeHome /home/ana', 'killProcessesOf 1001', 'deleteAccount ana']);
  });

  it('refuses names that are not staff members, system accounts included', async () => {
    await auth.createUser('bob', 'bob-password', 'user');
    expect(await codeOf(staff.remove('root'))).toBe('NOT_FOUND');
    expect(await codeOf(staff.remove('bob'))).toBe('NOT_FOUND');
    expect(usernames()).toEqual(['admin', 'bob']);
    expect(os.accounts.has('root')).toBe(true);
  });

  it('keeps the last admin, changing nothing', async () => {
    await staff.add(request({ username: 'boss', role: 'admin' }));
    await auth.deleteUser('admin');
    expect(await codeOf(staff.remove('boss'))).toBe('LAST_ADMIN');
    expect(os.accounts.has('boss')).toBe(true);
    expect(os.files.has('/home/boss/.ssh/authorized_keys')).toBe(true);
  });

  it('leaves an account whose uid changed since the agent made it', async () => {
    await staff.add(request());
    os.accounts.set('ana', { ...os.accounts.get('ana')!, uid: 4242 });
    expect(await codeOf(staff.remove('ana'))).toBe('STAFF_UNSUPPORTED');
    expect(os.accounts.has('ana')).toBe(true);
    expect(os.killed).toEqual([]);
  });

  it('finishes on a retry when removing the account failed after the agent user went', async () => {
    await staff.add(request());
    os.failOn.add('deleteAccount');
    expect(await codeOf(staff.remove('ana'))).not.toBe('ok');
    expect(usernames()).toEqual(['admin']);
    expect(staff.list()).toMatchObject([{ username: 'ana', agentUser: false }]);
    os.failOn.delete('deleteAccount');
    await staff.remove('ana');
    expect(os.accounts.has('ana')).toBe(false);
    expect(staff.list()).toEqual([]);
  });
});

describe('reconcile', () => {
  it('rewrites every forced command to the running agent after an upgrade', async () => {
    await staff.add(request());
    os.files.set('/opt/ultrabase/agent/2.0.0', {
      uid: 0,
      gid: 0,
      mode: 0o700,
      isDirectory: true,
      isSocket: false,
    });
    os.files.set('/opt/ultrabase/agent/2.0.0/agent.cjs', {
      uid: 0,
      gid: 0,
      mode: 0o600,
      isDirectory: false,
      isSocket: false,
    });
    const upgraded = new StaffService({
      os,
      auth,
      store,
      dial: { ...DIAL, script: '/opt/ultrabase/agent/2.0.0/agent.cjs' },
      now: () => new Date(),
    });
    expect(await upgraded.reconcile()).toEqual([]);
    expect(os.files.get('/home/ana/.ssh/authorized_keys')!.content).toContain(
      'command="/usr/bin/node /opt/ultrabase/agent/2.0.0/agent.cjs dial',
    );
    expect(os.files.get('/opt/ultrabase/agent/2.0.0/agent.cjs')!.mode).toBe(0o640);
  });
});

describe('reconcile at start, before the agent listens', () => {
  it('makes a missing socket folder (a fresh /run) traversable by the group', async () => {
    await staff.add(request());
    os.files.delete('/run/ultrabase/agent.sock');
    os.files.delete('/run/ultrabase');
    expect(await staff.reconcile()).toEqual([]);
    const gid = os.groups.get('ultrabase')!.gid;
    expect(os.files.get('/run/ultrabase')).toMatchObject({ uid: 0, gid, mode: 0o710 });
  });

  it('changes nothing when there are no staff members', async () => {
    expect(await staff.reconcile()).toEqual([]);
    expect(os.calls).toEqual([]);
  });
});

describe('FileStaffStore', () => {
  it('keeps members across opens in a 0600 file and treats prototype names as plain names', async () => {
    const file = await FileStaffStore.open(dir);
    const record = {
      username: 'constructor',
      uid: 1001,
      home: '/home/constructor',
      keyType: 'ssh-ed25519',
      keyBase64: 'AAAA',
      keyFingerprint: 'SHA256:x',
      createdAt: '2030-01-01T00:00:00.000Z',
    };
    expect(file.get('constructor')).toBeUndefined();
    expect(file.get('__proto__')).toBeUndefined();
    await file.put(record);
    const again = await FileStaffStore.open(dir);
    expect(again.list()).toEqual([record]);
    const { statSync } = await import('node:fs');
    expect(statSync(path.join(dir, 'staff.json')).mode & 0o777).toBe(0o600);
    await again.delete('constructor');
    expect((await FileStaffStore.open(dir)).list()).toEqual([]);
  });
});
