import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import { writeFileAtomic } from '@common/atomic-write';
import type { Account, FileFacts, Group, NewAccount, StaffOs } from './os';

const TOOL_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' };
const TOOL_TIMEOUT_MS = 30_000;

interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a system tool with an argument array: no shell ever sees a name or a path. */
function runTool(file: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: TOOL_ENV, timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
          // ENOENT and friends: the tool itself is missing.
          reject(
            new AgentError(
              ErrorCode.STAFF_UNSUPPORTED,
              `The server has no ${file} (${(error as NodeJS.ErrnoException).code}); install ` +
                'the passwd package (shadow-utils) to manage staff accounts.',
              { tool: file },
            ),
          );
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function mustRun(file: string, args: string[]): Promise<string> {
  const r = await runTool(file, args);
  if (r.code !== 0) {
    throw new AgentError(
      ErrorCode.INTERNAL,
      `${file} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`,
      { tool: file, exit: r.code },
    );
  }
  return r.stdout;
}

/** `getent` exits 2 when the key is not there. */
async function getent(database: 'passwd' | 'group', key?: string): Promise<string[]> {
  const r = await runTool('getent', key === undefined ? [database] : [database, '--', key]);
  if (r.code === 2) return [];
  if (r.code !== 0) throw new AgentError(ErrorCode.INTERNAL, `getent ${database} failed.`);
  return r.stdout.split('\n').filter(Boolean);
}

function parsePasswd(line: string): Account {
  const [name = '', , uid, gid, , home = '', shell = ''] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home, shell };
}

function parseGroup(line: string): Group {
  const [name = '', , gid, members = ''] = line.split(':');
  return { name, gid: Number(gid), members: members.split(',').filter(Boolean) };
}

/** The real StaffOs: shadow-utils through execFile, files through fs, processes via /proc. */
export class LinuxStaffOs implements StaffOs {
  uid(): number {
    return process.getuid?.() ?? -1;
  }

  async findAccount(name: string): Promise<Account | undefined> {
    const [line] = await getent('passwd', name);
    return line ? parsePasswd(line) : undefined;
  }

  async findGroup(name: string): Promise<Group | undefined> {
    const [line] = await getent('group', name);
    return line ? parseGroup(line) : undefined;
  }

  async groupsOf(name: string): Promise<string[]> {
    const account = await this.findAccount(name);
    const groups = (await getent('group')).map(parseGroup);
    return groups
      .filter((g) => g.members.includes(name) || g.gid === account?.gid)
      .map((g) => g.name);
  }

  async createGroup(name: string): Promise<Group> {
    await mustRun('groupadd', ['--system', '--', name]);
    const group = await this.findGroup(name);
    if (!group) throw new AgentError(ErrorCode.INTERNAL, `groupadd did not create ${name}.`);
    return group;
  }

  async createAccount(account: NewAccount): Promise<Account> {
    const r = await runTool('useradd', [
      '--comment',
      'Ultrabase staff',
      '--home-dir',
      account.home,
      '--no-create-home',
      '--shell',
      account.shell,
      '--gid',
      account.group,
      '--no-user-group',
      // "*" matches no password, so only keys log in, and unlike "!" it is not "locked":
      // sshd without PAM refuses every login, keys too, to a locked account.
      '--password',
      '*',
      '--',
      account.name,
    ]);
    if (r.code === 9) {
      throw new AgentError(ErrorCode.ACCOUNT_EXISTS, `The account "${account.name}" exists.`, {
        username: account.name,
      });
    }
    if (r.code !== 0) {
      throw new AgentError(
        ErrorCode.INTERNAL,
        `useradd failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`,
      );
    }
    const created = await this.findAccount(account.name);
    if (!created)
      throw new AgentError(ErrorCode.INTERNAL, `useradd did not create ${account.name}.`);
    return created;
  }

  async deleteAccount(name: string): Promise<void> {
    await mustRun('userdel', ['--', name]);
  }

  async killProcessesOf(uid: number): Promise<void> {
    // Only processes that share the agent's network namespace: on a server that is the whole
    // system, and a container or test host beside it whose uids mean other people is spared.
    const ownNet = await fs.readlink('/proc/self/ns/net');
    // Twice: an sshd child may fork between the scan and the kill.
    for (let round = 0; round < 2; round++) {
      for (const entry of await fs.readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const status = await fs.readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
        const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
        if (!uids || !uids.slice(1).some((u) => Number(u) === uid)) continue;
        const net = await fs.readlink(`/proc/${entry}/ns/net`).catch(() => '');
        if (net !== ownNet) continue;
        try {
          process.kill(Number(entry), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async writeAuthorizedKeys(home: string, content: string): Promise<void> {
    const sshDir = path.join(home, '.ssh');
    for (const dir of [home, sshDir]) {
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      // Root-owned: the account may read its keys (sshd reads them as the account) but never
      // change them. Explicit chmod, since the agent's umask (systemd UMask=0077) narrows mkdir.
      await fs.chown(dir, 0, 0);
      await fs.chmod(dir, 0o755);
    }
    const file = path.join(sshDir, 'authorized_keys');
    await writeFileAtomic(file, content, 0o644);
    await fs.chown(file, 0, 0);
    await fs.chmod(file, 0o644);
  }

  async removeHome(home: string): Promise<void> {
    await fs.rm(home, { recursive: true, force: true });
  }

  async exists(p: string): Promise<boolean> {
    try {
      await fs.lstat(p);
      return true;
    } catch {
      return false;
    }
  }

  async stat(p: string): Promise<FileFacts> {
    const s = await fs.stat(p);
    return {
      uid: s.uid,
      gid: s.gid,
      mode: s.mode & 0o7777,
      isDirectory: s.isDirectory(),
      isSocket: s.isSocket(),
    };
  }

  async makeDirectory(p: string, mode: number, gid: number): Promise<void> {
    await fs.mkdir(p, { recursive: true, mode });
    await this.setGroupAccess(p, gid, mode);
  }

  async setGroupAccess(p: string, gid: number, mode: number): Promise<void> {
    await fs.chown(p, -1, gid);
    await fs.chmod(p, mode);
  }
}
