import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { PostgresUpgradePlan, StackReleaseSummary, UpgradePlan } from '@protocol/types';
import { resolveImage } from '../stack/images';
import type { RenderedStack } from '../stack/render';
import { releasePostgresMajor, type ReleaseCatalog, type StackRelease } from '../stack/releases';
import { STACK_SERVICES } from '../stack/services';

export interface PlanInput {
  instanceId: string;
  from: StackRelease;
  to: StackRelease;
  /** Agent config `images`: the plan names the images this server really runs. */
  overrides: Readonly<Record<string, string>>;
  /** The project's files rendered for `from` and for `to` (same facts, other release). */
  before: RenderedStack;
  after: RenderedStack;
  catalog: ReleaseCatalog;
}

/**
 * What an upgrade changes, and whether it may: a Postgres major never changes in an upgrade
 * (the data directory of 15 does not start on 17); that is its own explicit operation.
 */
export function planUpgrade(input: PlanInput): UpgradePlan {
  const { from, to } = input;
  const fromMajor = releasePostgresMajor(from);
  const toMajor = releasePostgresMajor(to);
  if (fromMajor !== toMajor) {
    throw new AgentError(
      ErrorCode.POSTGRES_MAJOR_CHANGE,
      `Release ${to.id} runs Postgres ${toMajor}, this project Postgres ${fromMajor}. ` +
        'A Postgres major upgrade is a separate operation with its own backup and warning.',
      { from: from.id, to: to.id, fromMajor, toMajor },
    );
  }
  return diffReleases(input);
}

/**
 * The explicit Postgres major upgrade (postgres-major.ts): only to a newer major, never down
 * (a dump of 17 does not load into 15, and the old data directory is what a rollback keeps).
 */
export function planPostgresUpgrade(input: PlanInput): PostgresUpgradePlan {
  const fromMajor = releasePostgresMajor(input.from);
  const toMajor = releasePostgresMajor(input.to);
  if (toMajor <= fromMajor) {
    throw new AgentError(
      ErrorCode.POSTGRES_MAJOR_CHANGE,
      toMajor === fromMajor
        ? `Release ${input.to.id} runs Postgres ${toMajor} like this project: use a normal upgrade.`
        : `Release ${input.to.id} runs Postgres ${toMajor}, older than this project's ${fromMajor}: ` +
            'a Postgres major version is never lowered.',
      { from: input.from.id, to: input.to.id, fromMajor, toMajor },
    );
  }
  return { ...diffReleases(input), fromMajor, toMajor };
}

function diffReleases(input: PlanInput): UpgradePlan {
  const { from, to } = input;
  const images = STACK_SERVICES.map((s) => ({
    service: s.name,
    from: resolveImage(s.name, input.overrides, from.images),
    to: resolveImage(s.name, input.overrides, to.images),
  })).filter((c) => c.from !== c.to);
  const old = new Map(input.before.files.map((f) => [f.path, f.content]));
  const files = input.after.files.filter((f) => old.get(f.path) !== f.content).map((f) => f.path);
  const fixes = (to.advisories ?? []).filter((a) => a.affects.includes(from.id)).map((a) => a.id);
  return {
    instanceId: input.instanceId,
    from: from.id,
    to: to.id,
    upToDate: from.id === to.id,
    images,
    files,
    databaseChanges: images.some((c) => c.service === 'db'),
    notes: from.id === to.id ? [] : [...to.notes],
    fixes,
  };
}

/** A release as the wire shows it. */
export function releaseSummary(release: StackRelease): StackReleaseSummary {
  return {
    id: release.id,
    date: release.date,
    notes: [...release.notes],
    images: { ...release.images },
    postgresMajor: releasePostgresMajor(release),
    advisories: (release.advisories ?? []).map((a) => ({ ...a, affects: [...a.affects] })),
  };
}
