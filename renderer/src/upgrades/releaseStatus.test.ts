import { describe, expect, it } from 'vitest';
import type { ProjectView, StackReleaseSummary } from '@contract/api';
import { needingSecurityUpdate, releaseStatus, type ServerReleases } from './releaseStatus';

const rel = (id: string, date: string, patch: Partial<StackReleaseSummary> = {}) => ({
  id,
  date,
  notes: [],
  images: {},
  postgresMajor: 15,
  advisories: [],
  ...patch,
});
const info: ServerReleases = {
  releases: [
    rel('pg17', '2026-09-01', { postgresMajor: 17 }),
    rel('new', '2026-06-03', {
      advisories: [{ id: 'UB-1', severity: 'high', summary: 'x', affects: ['old'] }],
    }),
    rel('old', '2026-02-16'),
  ],
  newest: 'pg17',
  legacy: 'old',
};
const project = (patch: Partial<ProjectView>) =>
  ({ id: 'p', serverId: 's', name: 'p', ...patch }) as ProjectView;

describe('releaseStatus', () => {
  it('offers the newest release on the same Postgres major, with the advisories it fixes', () => {
    const s = releaseStatus(project({ release: 'old' }), info);
    expect(s.current).toBe('old');
    expect(s.update?.id).toBe('new');
    expect(s.advisories.map((a) => [a.id, a.fixedIn])).toEqual([['UB-1', 'new']]);
  });

  it('reads a project without a recorded release as the legacy one', () => {
    expect(releaseStatus(project({}), info).current).toBe('old');
  });

  it('offers nothing to a project on the newest release, nor before the list arrived', () => {
    expect(releaseStatus(project({ release: 'new' }), info)).toEqual({
      current: 'new',
      advisories: [],
    });
    expect(releaseStatus(project({ release: 'new' }), undefined).update).toBeUndefined();
  });

  it('counts the projects that need the security update, per server list', () => {
    const list = [project({ id: 'a', release: 'old' }), project({ id: 'b', release: 'new' })];
    expect(needingSecurityUpdate(list, { s: info }).map((p) => p.id)).toEqual(['a']);
    expect(needingSecurityUpdate(list, {})).toEqual([]);
  });
});
