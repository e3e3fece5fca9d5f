import { describe, expect, it } from 'vitest';
import type { ProjectView } from '@contract/api';
import { ProjectWatch } from './project-watch';

function project(id: string, status: ProjectView['status'], extra: Partial<ProjectView> = {}) {
  return {
    id,
    name: `proj-${id}`,
    serverId: 's1',
    serverName: 'vps-1',
    status,
    ...extra,
  } as ProjectView;
}

const changed = (p: ProjectView) => ({ type: 'project.changed' as const, project: p });

describe('ProjectWatch', () => {
  it('announces nothing for projects it sees for the first time', () => {
    const watch = new ProjectWatch();
    expect(watch.apply(changed(project('a', 'failed')))).toEqual([]);
    expect(watch.unhealthyCount()).toBe(1);
  });

  it('announces a creation that finished, not urgently (the focused window toasts it)', () => {
    const watch = new ProjectWatch();
    watch.seed([project('a', 'creating')]);
    expect(watch.apply(changed(project('a', 'running')))).toEqual([
      expect.objectContaining({ kind: 'finished', title: 'proj-a is ready', urgent: false }),
    ]);
  });

  it('announces a failure once, urgently, with its reason', () => {
    const watch = new ProjectWatch();
    watch.seed([project('a', 'running')]);
    const failed = project('a', 'failed', {
      error: { code: 'UNHEALTHY', reason: 'auth never became healthy', at: '' },
    });
    const notices = watch.apply(changed(failed));
    expect(notices).toEqual([
      expect.objectContaining({
        kind: 'failed',
        urgent: true,
        body: 'auth never became healthy (vps-1)',
      }),
    ]);
    expect(watch.apply(changed(failed))).toEqual([]);
  });

  it('announces automatic repairs that did something, and ignores manual ones', () => {
    const watch = new ProjectWatch();
    watch.seed([project('a', 'degraded')]);
    const result = {
      instanceId: 'a',
      dryRun: false,
      actions: [
        { kind: 'restart-container' as const, target: 'auth', reason: 'exited', done: true },
        { kind: 'restart-container' as const, target: 'rest', reason: 'exited', done: false },
      ],
    };
    const base = { type: 'project.repaired' as const, serverId: 's1', instanceId: 'a', result };
    expect(watch.apply({ ...base, automatic: false })).toEqual([]);
    expect(watch.apply({ ...base, automatic: true })).toEqual([
      expect.objectContaining({
        kind: 'repaired',
        title: 'proj-a was repaired automatically',
        body: '1 repair action (vps-1)',
      }),
    ]);
  });

  it('announces when auto-repair gives up', () => {
    const watch = new ProjectWatch();
    watch.seed([project('a', 'degraded')]);
    const notices = watch.apply(changed(project('a', 'degraded', { needsAttention: true })));
    expect(notices.map((n) => n.kind)).toEqual(['attention']);
  });

  it('counts a project whose last restore drill failed, until a drill passes (tray badge)', () => {
    const watch = new ProjectWatch();
    const drill = (ok: boolean) => ({
      backupStatus: { lastDrill: { at: '2026-12-02T03:00:00Z', ok, backupId: 'b1' } },
    });
    watch.seed([project('a', 'running', drill(false)), project('b', 'running')]);
    expect(watch.unhealthyCount()).toBe(1);
    watch.apply(changed(project('a', 'running', drill(true))));
    expect(watch.unhealthyCount()).toBe(0);
  });

  it('counts failed, degraded and needs-attention projects across servers', () => {
    const watch = new ProjectWatch();
    watch.seed([
      project('a', 'running'),
      project('b', 'failed'),
      project('c', 'degraded'),
      project('d', 'running', { needsAttention: true }),
      project('e', 'failed', { serverId: 's2', serverName: 'vps-2' }),
      project('f', 'stopped'),
    ]);
    expect(watch.unhealthyCount()).toBe(4);
    watch.apply(changed(project('b', 'running')));
    expect(watch.unhealthyCount()).toBe(3);
    watch.apply({ type: 'project.deleted', serverId: 's1', instanceId: 'c' });
    expect(watch.unhealthyCount()).toBe(2);
    watch.apply({ type: 'server.removed', serverId: 's2' });
    expect(watch.unhealthyCount()).toBe(1);
  });

  it('announces a deletion that finished', () => {
    const watch = new ProjectWatch();
    watch.seed([project('a', 'deleting')]);
    expect(watch.apply({ type: 'project.deleted', serverId: 's1', instanceId: 'a' })).toEqual([
      expect.objectContaining({ kind: 'finished', title: 'proj-a was deleted' }),
    ]);
  });
});
