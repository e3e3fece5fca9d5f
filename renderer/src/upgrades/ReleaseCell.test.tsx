import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { project } from '../app/testApi';
import { ReleaseCell } from './ReleaseCell';
import type { ServerReleases } from './releaseStatus';

const info: ServerReleases = {
  releases: [
    {
      id: '2026.06.03',
      date: '2026-06-03',
      notes: [],
      images: {},
      postgresMajor: 15,
      advisories: [{ id: 'UB-1', severity: 'high', summary: 'x', affects: ['2026.01.01'] }],
    },
    {
      id: '2026.02.16',
      date: '2026-02-16',
      notes: [],
      images: {},
      postgresMajor: 15,
      advisories: [],
    },
    {
      id: '2026.01.01',
      date: '2026-01-01',
      notes: [],
      images: {},
      postgresMajor: 15,
      advisories: [],
    },
  ],
  newest: '2026.06.03',
  legacy: '2026.02.16',
};
const cell = (release: string | undefined) =>
  renderToStaticMarkup(<ReleaseCell project={project({ release })} info={info} />);

describe('ReleaseCell', () => {
  it('shows the release, "update" when a newer one exists, "security" when an advisory names it', () => {
    expect(cell('2026.06.03')).toContain('2026.06.03');
    expect(cell('2026.06.03')).not.toMatch(/update|security/);
    expect(cell('2026.02.16')).toContain('update');
    expect(cell('2026.01.01')).toContain('security');
    // A project from before releases: the server's legacy release, with the update mark.
    expect(cell(undefined)).toContain('2026.02.16');
  });
});
