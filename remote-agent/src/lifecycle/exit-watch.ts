import { readFileSync, watch } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import type { RunningContainer } from './status';

/**
 * The kernel's word that a container stopped, before dockerd's (issue 21: a status change in
 * the UI within 100 ms). dockerd sends `die` only after containerd has reaped the process and
 * deleted the task (unmounts, cleanup): 40–300 ms after the fact on a busy host. The kernel
 * marks the container's cgroup `populated 0` in its `cgroup.events` the moment the last
 * process exits, and inotify says so at once. Docker's events stay the source of truth: this
 * only lets the agent say "exited" early, and the `die` that follows confirms it.
 *
 * Needs the unified (v2) cgroup hierarchy: pure v2 hosts, and v1 hosts in hybrid mode where
 * runc also places containers under /sys/fs/cgroup/unified. Without it, nothing is watched.
 */
export interface ExitWatchFs {
  /** The container's `cgroup.events` file, or undefined when there is none to watch. */
  eventsFile(pid: number): Promise<string | undefined>;
  /** Calls `changed` whenever the file may have changed; returns the unwatch. */
  watch(path: string, changed: () => void): () => void;
  /** The file's text, or undefined once it is gone (the cgroup was removed). */
  read(path: string): Promise<string | undefined>;
}

/** Containers watched at most (inotify watches are a per-user kernel budget). */
const MAX_WATCHED = 4096;

interface Watched {
  project: string;
  service: string;
  pid: number;
  close: () => void;
}

export class ContainerExitWatch {
  /** By container id. */
  private readonly watched = new Map<string, Watched>();
  /** Containers the kernel saw stop while Docker may still list them running, by id. */
  private readonly exited = new Map<string, { project: string; pid: number }>();
  private closed = false;

  constructor(
    private readonly fs: ExitWatchFs,
    private readonly onExit: (project: string, service: string) => void,
  ) {}

  /**
   * The project's running containers as Docker just listed them: watches new ones, drops
   * the rest. A container the kernel saw stop is remembered until Docker no longer lists it
   * running under that pid (it caught up, or the container runs again).
   */
  track(project: string, running: readonly RunningContainer[]): void {
    if (this.closed) return;
    const byId = new Map(running.map((c) => [c.id, c]));
    for (const [id, w] of this.watched) {
      if (w.project === project && byId.get(id)?.pid !== w.pid) this.drop(id);
    }
    for (const [id, e] of this.exited) {
      if (e.project === project && byId.get(id)?.pid !== e.pid) this.exited.delete(id);
    }
    for (const c of running) {
      if (this.watched.has(c.id) || this.stoppedEarly(c.id, c.pid)) continue;
      if (this.watched.size >= MAX_WATCHED) return;
      void this.start(project, c);
    }
  }

  /** The project no longer follows Docker (deleted, or an operation holds it). */
  untrack(project: string): void {
    for (const [id, w] of this.watched) if (w.project === project) this.drop(id);
    for (const [id, e] of this.exited) if (e.project === project) this.exited.delete(id);
  }

  /** True while Docker still shows running a container whose process the kernel saw end. */
  stoppedEarly(id: string, pid: number): boolean {
    return this.exited.get(id)?.pid === pid;
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.watched.keys()]) this.drop(id);
    this.exited.clear();
  }

  private async start(project: string, c: RunningContainer): Promise<void> {
    const file = await this.fs.eventsFile(c.pid).catch(() => undefined);
    if (!file || this.closed || this.watched.has(c.id)) return;
    const entry: Watched = { project, service: c.service, pid: c.pid, close: () => {} };
    this.watched.set(c.id, entry);
    const check = (): void => {
      void this.fs.read(file).then((text) => {
        if (this.watched.get(c.id) !== entry) return;
        if (text !== undefined && !/^populated 0$/m.test(text)) return;
        this.drop(c.id);
        this.exited.set(c.id, { project, pid: c.pid });
        this.onExit(project, c.service);
      });
    };
    try {
      entry.close = this.fs.watch(file, check);
    } catch {
      this.watched.delete(c.id);
      return;
    }
    // It may have stopped between Docker's list and the watch.
    check();
  }

  private drop(id: string): void {
    const w = this.watched.get(id);
    if (!w) return;
    this.watched.delete(id);
    w.close();
  }
}

/** Where the unified hierarchy is mounted: v2 hosts, then v1 hosts in hybrid mode. */
const CGROUP2_MOUNTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The host's /proc and /sys/fs/cgroup, through inotify. */
export const hostExitWatchFs: ExitWatchFs = {
  async eventsFile(pid) {
    const lines = await readFile(`/proc/${pid}/cgroup`, 'utf8');
    const path = /^0::(\/.*)$/m.exec(lines)?.[1];
    // In the root: not a cgroup of its own (a v1 host without the hybrid placement).
    if (!path || path === '/') return undefined;
    // Our own /sys first; then as the container's parent (its containerd shim, which sees the
    // host's mounts) sees it, for an agent in a mount namespace whose /sys was mounted anew
    // without the cgroup file systems (`ip netns exec` does that; so may a hardened unit).
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const parent = /^PPid:\s*(\d+)$/m.exec(status)?.[1];
    const roots = ['', ...(parent ? [`/proc/${parent}/root`] : []), '/proc/1/root'];
    for (const root of roots) {
      for (const mount of CGROUP2_MOUNTS) {
        const file = `${root}${mount}${path}/cgroup.events`;
        if (await exists(file)) return file;
      }
    }
    return undefined;
  },
  watch(path, changed) {
    const watcher = watch(path, { persistent: false }, changed);
    // The file goes with its cgroup once Docker removes it: that, too, is worth a look.
    watcher.on('error', changed);
    return () => watcher.close();
  },
  // Read at once, not through the thread pool (open, stat, read, close: four hops, each a wait
  // for a thread on a busy host): cgroup.events lives in kernel memory and never blocks.
  read: async (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};
