import type { ProjectView, StackAdvisory, StackReleaseSummary } from '@contract/api';

/** What a server's agent answers to `stackReleases`. */
export interface ServerReleases {
  releases: StackReleaseSummary[];
  newest: string;
  legacy: string;
}

export interface ReleaseStatus {
  /** The release the project runs (the legacy pin when it recorded none). */
  current: string;
  /** The newest release on the project's Postgres major, when it is not already on it. */
  update?: StackReleaseSummary;
  /** Known issues of the current release that a newer one fixes. */
  advisories: Array<StackAdvisory & { fixedIn: string }>;
}

/** A project's release, whether an update exists, and the advisories against it. */
export function releaseStatus(p: ProjectView, info: ServerReleases | undefined): ReleaseStatus {
  const current = p.release ?? info?.legacy ?? '';
  if (!info) return { current, advisories: [] };
  const mine = info.releases.find((r) => r.id === current);
  const major = mine?.postgresMajor;
  const newest = info.releases.find((r) => major === undefined || r.postgresMajor === major);
  const advisories = info.releases.flatMap((r) =>
    r.advisories.filter((a) => a.affects.includes(current)).map((a) => ({ ...a, fixedIn: r.id })),
  );
  return {
    current,
    ...(newest && newest.id !== current && isNewer(newest, mine) ? { update: newest } : {}),
    advisories,
  };
}

function isNewer(a: StackReleaseSummary, b: StackReleaseSummary | undefined): boolean {
  return !b || a.date > b.date || (a.date === b.date && a.id > b.id);
}

/** Projects of the list that run a release with a known advisory: the server-wide count. */
export function needingSecurityUpdate(
  projects: readonly ProjectView[],
  byServer: Readonly<Record<string, ServerReleases | undefined>>,
): ProjectView[] {
  return projects.filter((p) => releaseStatus(p, byServer[p.serverId]).advisories.length > 0);
}
