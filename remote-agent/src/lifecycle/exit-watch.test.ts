import { describe, expect, it } from 'vitest';
import { ContainerExitWatch, type ExitWatchFs } from './exit-watch';

/** cgroup.events files in memory; `write` changes one and tells its watchers, like inotify. */
function fakeFs(options: { noCgroup?: boolean } = {}) {
  const files = new Map<string, string>();
  const watchers = new Map<string, Set<() => void>>();
  const fs: ExitWatchFs = {
    eventsFile: async (pid) => (options.noCgroup ? undefined : `/cg/${pid}/cgroup.events`),
    watch: (path, changed) => {
      const set = watchers.get(path) ?? new Set();
      set.add(changed);
      watchers.set(path, set);
      return () => set.delete(changed);
    },
    read: async (path) => files.get(path),
  };
  const write = (pid: number, text: string | undefined) => {
    const path = `/cg/${pid}/cgroup.events`;
    if (text === undefined) files.delete(path);
    else files.set(path, text);
    for (const w of watchers.get(path) ?? []) w();
  };
  const watching = () => [...watchers.entries()].filter(([, s]) => s.size > 0).map(([p]) => p);
  return { fs, write, watching, files };
}

const tick = () => new Promise((r) => setTimeout(r, 1));
const RUNNING = 'populated 1\nfrozen 0\n';
const STOPPED = 'populated 0\nfrozen 0\n';

describe('ContainerExitWatch', () => {
  it('reports a container once when its cgroup empties, and keeps it stopped until Docker agrees', async () => {
    const { fs, write, watching } = fakeFs();
    const exits: string[] = [];
    const w = new ContainerExitWatch(fs, (p, s) => exits.push(`${p}/${s}`));
    write(10, RUNNING);
    write(11, RUNNING);
    w.track('ub_a', [
      { service: 'db', id: 'c1', pid: 10 },
      { service: 'kong', id: 'c2', pid: 11 },
    ]);
    await tick();
    expect(watching()).toEqual(['/cg/10/cgroup.events', '/cg/11/cgroup.events']);
    write(10, RUNNING); // another change (frozen…): still populated
    await tick();
    expect(exits).toEqual([]);
    write(10, STOPPED);
    write(10, STOPPED);
    await tick();
    expect(exits).toEqual(['ub_a/db']);
    expect(w.stoppedEarly('c1', 10)).toBe(true);
    expect(watching()).toEqual(['/cg/11/cgroup.events']);
    // Docker has not caught up: it still lists c1 running under that pid. Not watched again.
    w.track('ub_a', [
      { service: 'db', id: 'c1', pid: 10 },
      { service: 'kong', id: 'c2', pid: 11 },
    ]);
    await tick();
    expect(w.stoppedEarly('c1', 10)).toBe(true);
    expect(watching()).toEqual(['/cg/11/cgroup.events']);
    // Docker caught up (c1 no longer running): forgotten.
    w.track('ub_a', [{ service: 'kong', id: 'c2', pid: 11 }]);
    expect(w.stoppedEarly('c1', 10)).toBe(false);
    w.close();
  });

  it('takes a removed cgroup for a stopped container', async () => {
    const { fs, write } = fakeFs();
    const exits: string[] = [];
    const w = new ContainerExitWatch(fs, (_p, s) => exits.push(s));
    write(20, RUNNING);
    w.track('ub_a', [{ service: 'db', id: 'c1', pid: 20 }]);
    await tick();
    write(20, undefined);
    await tick();
    expect(exits).toEqual(['db']);
    w.close();
  });

  it('reports a container that stopped between Docker’s list and the watch', async () => {
    const { fs, write } = fakeFs();
    const exits: string[] = [];
    const w = new ContainerExitWatch(fs, (_p, s) => exits.push(s));
    write(30, STOPPED);
    w.track('ub_a', [{ service: 'db', id: 'c1', pid: 30 }]);
    await tick();
    expect(exits).toEqual(['db']);
    w.close();
  });

  it('watches a restarted container (same id, new pid) again, and unwatches what is gone', async () => {
    const { fs, write, watching } = fakeFs();
    const exits: string[] = [];
    const w = new ContainerExitWatch(fs, (_p, s) => exits.push(s));
    write(40, RUNNING);
    w.track('ub_a', [{ service: 'db', id: 'c1', pid: 40 }]);
    await tick();
    write(40, STOPPED);
    await tick();
    write(41, RUNNING);
    w.track('ub_a', [{ service: 'db', id: 'c1', pid: 41 }]);
    await tick();
    expect(w.stoppedEarly('c1', 40)).toBe(false);
    expect(watching()).toEqual(['/cg/41/cgroup.events']);
    write(41, STOPPED);
    await tick();
    expect(exits).toEqual(['db', 'db']);
    write(50, RUNNING);
    write(51, RUNNING);
    w.track('ub_b', [{ service: 'db', id: 'b1', pid: 50 }]);
    w.track('ub_c', [{ service: 'db', id: 'x1', pid: 51 }]);
    await tick();
    w.untrack('ub_b');
    expect(watching()).toEqual(['/cg/51/cgroup.events']);
    w.close();
    expect(watching()).toEqual([]);
  });

  it('watches nothing where containers have no cgroup of their own in the unified hierarchy', async () => {
    const { fs, watching } = fakeFs({ noCgroup: true });
    const w = new ContainerExitWatch(fs, () => {
      throw new Error('no exit expected');
    });
    w.track('ub_a', [{ service: 'db', id: 'c1', pid: 60 }]);
    await tick();
    expect(watching()).toEqual([]);
    w.close();
  });
});
