import { promises as fs, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

export const LOCK_FILE = 'agent.lock';

interface LockOwner {
  pid: number;
  /** Kernel start time of the process: a recycled pid after a crash is not the old owner. */
  started: string | null;
}

export interface DataDirLock {
  release(): void;
}

/**
 * One agent per data directory. Node has no flock, so the lock is a file created exclusively
 * that names its owner; a lock whose owner is gone (kill -9, power cut) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, started: processStartTime(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(me));
      await handle.sync();
      await handle.close();
      return {
        release() {
          try {
            const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
            if (owner.pid === me.pid) unlinkSync(file);
          } catch {}
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(file);
    if (owner && isAlive(owner)) {
      throw new AgentError(
        ErrorCode.DATA_DIR_LOCKED,
        `Another agent (pid ${owner.pid}) is using ${dataDir}. Stop it first, or use another ` +
          `--data-dir.`,
        { pid: owner.pid, dataDir },
      );
    }
    await fs.rm(file, { force: true });
  }
  throw new AgentError(ErrorCode.DATA_DIR_LOCKED, `Could not lock ${dataDir}; retry.`);
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const value = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockOwner>;
    return typeof value.pid === 'number'
      ? { pid: value.pid, started: value.started ?? null }
      : null;
  } catch {
    // Empty or half-written: its writer died between create and write.
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = processStartTime(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

/** Field 22 of /proc/<pid>/stat (Linux); null where /proc is absent. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
