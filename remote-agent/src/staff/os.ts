/**
 * What the staff service needs from the operating system, as a small interface: the real one
 * (linux-os.ts) runs useradd/userdel/groupadd/getent through execFile with argument arrays;
 * tests use a fake in memory. Every name reaching here has passed ACCOUNT_NAME_RE.
 */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

export interface FileFacts {
  uid: number;
  gid: number;
  /** Permission bits only (mode & 0o7777). */
  mode: number;
  isDirectory: boolean;
  isSocket: boolean;
}

export interface NewAccount {
  name: string;
  /** Primary group (by name); the account gets no other group. */
  group: string;
  home: string;
  shell: string;
}

export interface StaffOs {
  /** The agent's own uid: creating accounts needs root. */
  uid(): number;
  findAccount(name: string): Promise<Account | undefined>;
  findGroup(name: string): Promise<Group | undefined>;
  /** Every group listing `name` as a supplementary member, plus its primary group. */
  groupsOf(name: string): Promise<string[]>;
  createGroup(name: string): Promise<Group>;
  /** useradd with no password (`*`, key logins only) and no home created. */
  createAccount(account: NewAccount): Promise<Account>;
  deleteAccount(name: string): Promise<void>;
  /** Ends every process running as `uid` (its SSH sessions) so the account can be deleted. */
  killProcessesOf(uid: number): Promise<void>;
  /**
   * Makes `home` and `home/.ssh` (root-owned 0755) and writes `home/.ssh/authorized_keys`
   * (root-owned 0644, atomically): readable by the account, which sshd needs, never writable.
   */
  writeAuthorizedKeys(home: string, content: string): Promise<void>;
  removeHome(home: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  stat(path: string): Promise<FileFacts>;
  /** mkdir (root-owned) with exactly this mode and group. */
  makeDirectory(path: string, mode: number, gid: number): Promise<void>;
  /** chgrp + chmod of one path (never recursive). */
  setGroupAccess(path: string, gid: number, mode: number): Promise<void>;
}
