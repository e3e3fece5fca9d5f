import { ErrorCode } from '@protocol/error-codes';
import { StackError } from '../stack-error';
import { byCodeUnit } from '../../common/compare';
import { RELEASE_2026_02_16 } from './r2026-02-16';
import { RELEASE_2026_06_03 } from './r2026-06-03';
import {
  releasePostgresMajor,
  stackReleaseSchema,
  type Advisory,
  type StackRelease,
} from './schema';

/** Built into the agent, oldest first. A new release is a new file here plus this line. */
export const BUILTIN_RELEASES: readonly StackRelease[] = [RELEASE_2026_02_16, RELEASE_2026_06_03];

/**
 * What a project without a recorded release runs: the pin every instance had before releases
 * existed (its files render byte-identical, so nothing on disk changes when it is read).
 */
export const LEGACY_RELEASE_ID = RELEASE_2026_02_16.id;

/**
 * Newest first: by date, then by id, so two releases of one day still order the same way. By
 * code unit, not `localeCompare`: this runs at every start, and ICU's collation would stay
 * mapped in the agent for good (common/compare.ts).
 */
function newestFirst(a: StackRelease, b: StackRelease): number {
  return byCodeUnit(b.date, a.date) || byCodeUnit(b.id, a.id);
}

/**
 * The releases one agent knows: the built-in ones plus any loaded from files (agent config
 * `releasesDir`, or the test rig's stand-in releases). Ids are unique.
 */
export class ReleaseCatalog {
  private readonly byId = new Map<string, StackRelease>();

  constructor(releases: readonly StackRelease[] = BUILTIN_RELEASES) {
    for (const release of releases) {
      const parsed = parseRelease(release);
      if (this.byId.has(parsed.id)) {
        throw new StackError(ErrorCode.CONFIG_INVALID, `Release ${parsed.id} is defined twice.`);
      }
      this.byId.set(parsed.id, parsed);
    }
    if (this.byId.size === 0) {
      throw new StackError(ErrorCode.CONFIG_INVALID, 'No stack release is defined.');
    }
  }

  /** Newest first. */
  list(): StackRelease[] {
    return [...this.byId.values()].sort(newestFirst);
  }

  newest(): StackRelease {
    return this.list()[0]!;
  }

  find(id: string): StackRelease | undefined {
    return this.byId.get(id);
  }

  /** The release by id; NOT_FOUND with the known ids when there is none. */
  get(id: string): StackRelease {
    const found = this.byId.get(id);
    if (!found) {
      throw new StackError(ErrorCode.RELEASE_NOT_FOUND, `There is no stack release "${id}".`, {
        release: id,
        known: [...this.byId.keys()],
      });
    }
    return found;
  }

  /** A project's release: the recorded one, else the legacy pin every older project runs. */
  releaseOf(instance: { release?: string }): StackRelease {
    return this.get(instance.release ?? LEGACY_RELEASE_ID);
  }

  /** The newest release on the same Postgres major as `release` (a normal upgrade's target). */
  newestFor(release: StackRelease): StackRelease {
    const major = releasePostgresMajor(release);
    return this.list().find((r) => releasePostgresMajor(r) === major) ?? release;
  }

  /** Advisories that any release declares against `releaseId`. */
  advisoriesFor(releaseId: string): Array<Advisory & { fixedIn: string }> {
    const out: Array<Advisory & { fixedIn: string }> = [];
    for (const release of this.list()) {
      for (const advisory of release.advisories ?? []) {
        if (advisory.affects.includes(releaseId)) out.push({ ...advisory, fixedIn: release.id });
      }
    }
    return out;
  }
}

let builtin: ReleaseCatalog | undefined;

/** The built-in releases alone (parsed once). */
export function builtinCatalog(): ReleaseCatalog {
  return (builtin ??= new ReleaseCatalog(BUILTIN_RELEASES));
}

/** Validates one release (a file's parsed JSON, or a built-in one) against the schema. */
export function parseRelease(value: unknown): StackRelease {
  const parsed = stackReleaseSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const id = (value as { id?: unknown } | null)?.id;
    throw new StackError(
      ErrorCode.CONFIG_INVALID,
      `Stack release ${typeof id === 'string' ? `"${id}" ` : ''}is invalid at ` +
        `${issue.path.join('.') || '(root)'}: ${issue.message}.`,
      { release: typeof id === 'string' ? id : undefined, path: issue.path.join('.') },
    );
  }
  return parsed.data as StackRelease;
}
