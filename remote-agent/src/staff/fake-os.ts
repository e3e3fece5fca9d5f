import path from 'node:path';
import type { Account, FileFacts, Group, NewAccount, StaffOs } from './os';

type Operation =
  | 'createGroup'
  | 'createAccount'
  | 'deleteAccount'
  | 'writeAuthorizedKeys'
  | 'removeHome'
  | 'killProcessesOf'
  | 'setGroupAccess'
  | 'makeDirectory';

/**
 * StaffOs in memory, for unit tests: accounts, groups and a flat file table, with the root
 * install's usual layout, a log of every call and failures on demand.
 */
export class FakeStaffOs implements StaffOs {
  agentUid = 0;
  readonly accounts = new Map<string, Account>();
  readonly groups = new Map<string, Group>([
    ['root', { name: 'root', gid: 0, members: [] }],
    ['docker', { name: 'docker', gid: 998, members: ['deploy'] }],
  ]);
  readonly files = new Map<string, FileFacts & { content?: string }>();
  readonly calls: string[] = [];
  readonly failOn = new Set<Operation>();
  /** Extra groups useradd adds (as a site's /etc/default/useradd might). */
  extraGroupsOnCreate: string[] = [];
  killed: number[] = [];
  private nextUid = 1001;
  private nextGid = 990;

  constructor() {
    const dir = (mode: number) => ({ uid: 0, gid: 0, mode, isDirectory: true, isSocket: false });
    const file = (mode: number) => ({ uid: 0, gid: 0, mode, isDirectory: false, isSocket: false });
    for (const p of ['/', '/usr', '/usr/bin', '/opt', '/run', '/home'])
      this.files.set(p, dir(0o755));
    this.files.set('/usr/bin/node', file(0o755));
    this.files.set('/opt/ultrabase', dir(0o755));
    this.files.set('/opt/ultrabase/agent', dir(0o755));
    this.files.set('/opt/ultrabase/agent/1.0.0', dir(0o700));
    this.files.set('/opt/ultrabase/agent/1.0.0/agent.cjs', file(0o600));
    this.files.set('/run/ultrabase', dir(0o750));
    this.files.set('/run/ultrabase/agent.sock', { ...file(0o660), isSocket: true });
    this.accounts.set('root', { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' });
  }

  /** What the perimeter's `socketGroup` does: the socket belongs to the group. */
  giveSocketTo(group: string): void {
    const socket = this.files.get('/run/ultrabase/agent.sock')!;
    socket.gid = this.groups.get(group)?.gid ?? this.ensureGroup(group).gid;
  }

  ensureGroup(name: string): Group {
    const existing = this.groups.get(name);
    if (existing) return existing;
    const group = { name, gid: this.nextGid--, members: [] };
    this.groups.set(name, group);
    return group;
  }

  uid(): number {
    return this.agentUid;
  }

  findAccount(name: string): Promise<Account | undefined> {
    return Promise.resolve(this.accounts.get(name));
  }

  findGroup(name: string): Promise<Group | undefined> {
    return Promise.resolve(this.groups.get(name));
  }

  groupsOf(name: string): Promise<string[]> {
    const account = this.accounts.get(name);
    return Promise.resolve(
      [...this.groups.values()]
        .filter((g) => g.members.includes(name) || g.gid === account?.gid)
        .map((g) => g.name),
    );
  }

  createGroup(name: string): Promise<Group> {
    this.step('createGroup', name);
    return Promise.resolve(this.ensureGroup(name));
  }

  createAccount(account: NewAccount): Promise<Account> {
    this.step('createAccount', account.name);
    const gid = this.groups.get(account.group)!.gid;
    const created = {
      name: account.name,
      uid: this.nextUid++,
      gid,
      home: account.home,
      shell: account.shell,
    };
    this.accounts.set(account.name, created);
    for (const g of this.extraGroupsOnCreate) this.groups.get(g)?.members.push(account.name);
    return Promise.resolve(created);
  }

  deleteAccount(name: string): Promise<void> {
    this.step('deleteAccount', name);
    this.accounts.delete(name);
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m !== name);
    return Promise.resolve();
  }

  killProcessesOf(uid: number): Promise<void> {
    this.step('killProcessesOf', String(uid));
    this.killed.push(uid);
    return Promise.resolve();
  }

  writeAuthorizedKeys(home: string, content: string): Promise<void> {
    this.step('writeAuthorizedKeys', home);
    const dir = { uid: 0, gid: 0, mode: 0o755, isDirectory: true, isSocket: false };
    this.files.set(home, { ...dir });
    this.files.set(path.join(home, '.ssh'), { ...dir });
    this.files.set(path.join(home, '.ssh/authorized_keys'), {
      ...dir,
      mode: 0o644,
      isDirectory: false,
      content,
    });
    return Promise.resolve();
  }

  removeHome(home: string): Promise<void> {
    this.step('removeHome', home);
    for (const p of [...this.files.keys()]) {
      if (p === home || p.startsWith(home + '/')) this.files.delete(p);
    }
    return Promise.resolve();
  }

  exists(p: string): Promise<boolean> {
    return Promise.resolve(this.files.has(p));
  }

  stat(p: string): Promise<FileFacts> {
    const facts = this.files.get(p);
    if (!facts) return Promise.reject(Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' }));
    return Promise.resolve({ ...facts });
  }

  makeDirectory(p: string, mode: number, gid: number): Promise<void> {
    this.step('makeDirectory', p);
    this.files.set(p, { uid: 0, gid, mode, isDirectory: true, isSocket: false });
    return Promise.resolve();
  }

  setGroupAccess(p: string, gid: number, mode: number): Promise<void> {
    this.step('setGroupAccess', p);
    const facts = this.files.get(p)!;
    facts.gid = gid;
    facts.mode = mode;
    return Promise.resolve();
  }

  private step(op: Operation, arg: string): void {
    this.calls.push(`${op} ${arg}`);
    if (this.failOn.has(op)) throw new Error(`${op} failed (injected)`);
  }
}
