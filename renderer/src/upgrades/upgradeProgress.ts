import type { ProgressEvent } from '@contract/api';

/** An upgrade's steps in the order the agent runs them (remote-agent/src/upgrades/). */
export const UPGRADE_STEPS = ['backup', 'pull', 'files', 'start', 'health'] as const;
export type UpgradeStep = (typeof UPGRADE_STEPS)[number];

export interface UpgradeProgress {
  /** 0..1 over the five steps: a step started counts half, a step done counts whole. */
  fraction: number;
  step?: UpgradeStep | 'rollback';
  /** The agent's last sentence (a pull's image, "Backup … taken.", the rollback's outcome). */
  message?: string;
  rollingBack: boolean;
}

/**
 * Where an upgrade is, from the events the agent keeps for the project (`projectProgress`).
 * An upgrade's story starts at its backup step; anything before (the creation's story, kept
 * until the upgrade begins) is not this upgrade's.
 */
export function upgradeProgress(all: readonly ProgressEvent[]): UpgradeProgress {
  const start = all.findLastIndex((e) => e.step === 'backup' && e.status === 'started');
  const events = start < 0 ? [] : all.slice(start);
  let fraction = 0;
  let step: UpgradeProgress['step'];
  let message: string | undefined;
  let rollingBack = false;
  for (const e of events) {
    if (e.message) message = e.message;
    if (e.step === 'rollback') {
      rollingBack = true;
      step = 'rollback';
      continue;
    }
    const index = UPGRADE_STEPS.indexOf(e.step as UpgradeStep);
    if (index < 0) continue;
    step = e.step as UpgradeStep;
    const reached = (index + (e.status === 'done' ? 1 : 0.5)) / UPGRADE_STEPS.length;
    fraction = Math.max(fraction, reached);
  }
  return { fraction, step, message, rollingBack };
}
