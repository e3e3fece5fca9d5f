import { AgentError } from '../agent-error';
import { checkPasswordStrength } from '../auth/users';
import { ErrorCode } from '@protocol/error-codes';
import type { Role, StaffMember, UserPublic } from '@protocol/types';
import { ACCOUNT_NAME_RE } from '@protocol/validation';
import { Mutex } from '../sync/mutex';
import { authorizedKeysFile, ensureDialReachable, type DialTarget } from './dial-path';
import type { StaffOs } from './os';
import { parsePublicKey } from './public-key';
import type { StaffRecord, StaffStore } from './store';

/** The part of AuthService this service uses (agent users live there). */
export interface StaffAuth {
  listUsers(): UserPublic[];
  createUser(username: string, password: string, role: Role): Promise<UserPublic>;
  deleteUser(username: string): Promise<void>;
}

export interface StaffDeps {
  os: StaffOs;
  auth: StaffAuth;
  store: StaffStore;
  /** Undefined when the agent serves no socket (stdio mode): nothing to dial then. */
  dial: DialTarget | undefined;
  group?: string;
  homeRoot?: string;
  now: () => Date;
  onUndoFailed?: (what: string, error: unknown) => void;
}

export interface AddStaffRequest {
  username: string;
  password: string;
  role: Role;
  publicKey: string;
}

export const STAFF_GROUP = 'ultrabase';
const SHELL = '/bin/sh';

/**
 * Staff members with their own Linux login (see docs/staff-accounts.md). A member is two
 * things that exist together: a key-only account in the `ultrabase` group whose key may only
 * run the agent's `dial`, and an agent user with the member's role. Changes go one at a time.
 */
export class StaffService {
  private readonly mutex = new Mutex();
  private readonly group: string;
  private readonly homeRoot: string;

  constructor(private readonly deps: StaffDeps) {
    this.group = deps.group ?? STAFF_GROUP;
    this.homeRoot = deps.homeRoot ?? '/home';
  }

  list(): StaffMember[] {
    const users = new Set(this.deps.auth.listUsers().map((u) => u.username));
    return this.deps.store.list().map((r) => toMember(r, users.has(r.username)));
  }

  add(request: AddStaffRequest): Promise<{ member: StaffMember; user: UserPublic }> {
    return this.mutex.run(() => this.addNow(request));
  }

  remove(username: string): Promise<void> {
    return this.mutex.run(() => this.removeNow(username));
  }

  /**
   * At start: an upgraded agent lives at a new path, so every member's forced command is
   * rewritten to it (and the path opened to the group). Returns the members it could not fix.
   */
  reconcile(): Promise<Array<{ username: string; error: unknown }>> {
    return this.mutex.run(async () => {
      const failures: Array<{ username: string; error: unknown }> = [];
      const members = this.deps.store.list();
      if (members.length === 0) return failures;
      try {
        // Runs before the agent listens: the socket itself is checked at each staff.add.
        const { target } = await this.prepare(false);
        for (const record of members) {
          try {
            const key = { type: record.keyType, base64: record.keyBase64, fingerprint: '' };
            const file = authorizedKeysFile(target, key, record.username);
            await this.deps.os.writeAuthorizedKeys(record.home, file);
          } catch (error) {
            failures.push({ username: record.username, error });
          }
        }
      } catch (error) {
        for (const record of members) failures.push({ username: record.username, error });
      }
      return failures;
    });
  }

  private async addNow(
    request: AddStaffRequest,
  ): Promise<{ member: StaffMember; user: UserPublic }> {
    const { os, auth, store } = this.deps;
    const { username } = request;
    if (!ACCOUNT_NAME_RE.test(username)) {
      throw new AgentError(
        ErrorCode.INVALID_PARAMS,
        'A staff name is 1-31 lowercase letters, digits, "_" or "-", starting with a letter.',
      );
    }
    const key = parsePublicKey(request.publicKey);
    checkPasswordStrength(request.password);
    if (auth.listUsers().some((u) => u.username === username) || store.get(username)) {
      throw new AgentError(ErrorCode.USER_EXISTS, `The user "${username}" already exists.`);
    }
    const home = `${this.homeRoot}/${username}`;
    if ((await os.findAccount(username)) || (await os.exists(home))) {
      // Never adopt an account or a home folder the agent did not make: its key would then
      // open someone else's login (or a system account) to whoever holds the staff key.
      throw new AgentError(
        ErrorCode.ACCOUNT_EXISTS,
        `The server already has an account or a folder ${home} named "${username}"; choose ` +
          'another name.',
        { username },
      );
    }
    const { target, group } = await this.prepare();
    const file = authorizedKeysFile(target, key, username);

    const account = await os.createAccount({
      name: username,
      group: group.name,
      home,
      shell: SHELL,
    });
    const record: StaffRecord = {
      username,
      uid: account.uid,
      home,
      keyType: key.type,
      keyBase64: key.base64,
      keyFingerprint: key.fingerprint,
      createdAt: this.deps.now().toISOString(),
    };
    let user: UserPublic;
    try {
      const groups = await os.groupsOf(username);
      const extra = groups.filter((g) => g !== group.name);
      if (account.uid === 0 || extra.length > 0) {
        // A useradd default (e.g. extra groups such as docker) would widen what the key can do.
        throw new AgentError(
          ErrorCode.STAFF_UNSUPPORTED,
          `useradd gave "${username}" more than the "${group.name}" group (${extra.join(', ')}); ` +
            'check /etc/default/useradd.',
          { groups: extra },
        );
      }
      await os.writeAuthorizedKeys(home, file);
      await store.put(record);
      user = await auth.createUser(username, request.password, request.role);
    } catch (error) {
      await this.undo(`staff account ${username}`, async () => {
        await store.delete(username);
        await this.deleteAccount(record);
      });
      throw error;
    }
    return { member: toMember(record, true), user };
  }

  private async removeNow(username: string): Promise<void> {
    const record = this.deps.store.get(username);
    if (!record) {
      throw new AgentError(ErrorCode.NOT_FOUND, `"${username}" is not a staff member.`);
    }
    // The agent user goes first: its checks (the last admin) run before anything changes, and
    // once it is gone the member can do nothing even if removing the account fails below, in
    // which case staff.remove is simply asked again.
    if (this.deps.auth.listUsers().some((u) => u.username === username)) {
      await this.deps.auth.deleteUser(username);
    }
    await this.deleteAccount(record);
    await this.deps.store.delete(username);
  }

  /** Only ever the account this agent made: the name and the uid must both still match. */
  private async deleteAccount(record: StaffRecord): Promise<void> {
    const { os } = this.deps;
    const account = await os.findAccount(record.username);
    // Keys first, so no new session starts while the running ones are ended.
    if (await os.exists(record.home)) await os.removeHome(record.home);
    if (!account) return;
    if (account.uid !== record.uid || account.uid === 0) {
      throw new AgentError(
        ErrorCode.STAFF_UNSUPPORTED,
        `The account "${record.username}" now has uid ${account.uid}, not the ${record.uid} the ` +
          'agent created; it was left alone.',
        { username: record.username },
      );
    }
    await os.killProcessesOf(account.uid);
    await os.deleteAccount(record.username);
  }

  /** Checks that staff accounts can work here at all, and opens the dial path to the group. */
  private async prepare(
    socketListening = true,
  ): Promise<{ target: DialTarget; group: { name: string; gid: number } }> {
    const { os, dial } = this.deps;
    if (os.uid() !== 0) {
      throw new AgentError(
        ErrorCode.STAFF_UNSUPPORTED,
        'Staff accounts need the agent installed as root (it creates Linux accounts).',
      );
    }
    if (!dial) {
      throw new AgentError(
        ErrorCode.STAFF_UNSUPPORTED,
        'This agent serves no socket, so a staff account would have nothing to dial.',
      );
    }
    const group = (await os.findGroup(this.group)) ?? (await os.createGroup(this.group));
    await ensureDialReachable(os, dial, group, { socketListening });
    return { target: dial, group };
  }

  private async undo(what: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.deps.onUndoFailed?.(what, error);
    }
  }
}

function toMember(record: StaffRecord, agentUser: boolean): StaffMember {
  return {
    username: record.username,
    uid: record.uid,
    keyFingerprint: record.keyFingerprint,
    keyType: record.keyType,
    createdAt: record.createdAt,
    agentUser,
  };
}
