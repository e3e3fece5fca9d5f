import type { CreationStep, ProgressEvent } from '@protocol/types';

export type StepState = 'pending' | 'active' | 'done' | 'failed';

export interface StepView {
  step: (typeof STEPS)[number];
  state: StepState;
  message?: string;
}

export interface ProgressSummary {
  steps: StepView[];
  images: { image: string; percent: number }[];
  services: { service: string; health: string }[];
  queuePosition?: number;
  finished: boolean;
  succeeded: boolean;
  failure?: { code: string; message: string };
}

/**
 * The order a creation walks through (DESIGN.md "Creating an instance"); rollback is extra.
 * Labels live in the catalogues under `create.steps`.
 */
export const STEPS = [
  'queued',
  'validate',
  'resources',
  'docker',
  'ports',
  'credentials',
  'files',
  'pull',
  'start',
  'health',
  'done',
] as const satisfies readonly CreationStep[];

/** Folds the event list into what the create dialog and the project page draw. */
export function summarizeProgress(events: ProgressEvent[]): ProgressSummary {
  const state = new Map<CreationStep, StepState>();
  const message = new Map<CreationStep, string>();
  const images = new Map<string, number>();
  const services = new Map<string, string>();
  let queuePosition: number | undefined;
  let failure: ProgressSummary['failure'];
  let succeeded = false;
  let rolledBack = false;

  const order: CreationStep[] = [...STEPS];
  for (const e of events) {
    if (e.queuePosition !== undefined) queuePosition = e.queuePosition;
    if (e.message) message.set(e.step, e.message);
    if (e.image !== undefined) {
      const pct = e.status === 'done' ? 100 : (e.percent ?? images.get(e.image) ?? 0);
      images.set(e.image, Math.max(0, Math.min(100, Math.round(pct))));
    }
    if (e.service !== undefined && e.health !== undefined) services.set(e.service, e.health);
    if (e.step === 'rollback') {
      rolledBack = true;
      continue;
    }
    if (e.status === 'failed') {
      state.set(e.step, 'failed');
      failure = e.error ?? { code: 'FAILED', message: e.message ?? '' };
    } else if (e.status === 'done') {
      if (state.get(e.step) !== 'failed') state.set(e.step, 'done');
      if (e.step === 'done') succeeded = true;
    } else if (state.get(e.step) !== 'done' && state.get(e.step) !== 'failed') {
      state.set(e.step, 'active');
    }
    // Reaching a step means every earlier step finished, even if it never said so.
    const at = order.indexOf(e.step);
    for (let i = 0; i < at; i++) {
      const prior = order[i];
      if (prior !== undefined && state.get(prior) !== 'failed') state.set(prior, 'done');
    }
  }
  if (succeeded) state.set('done', 'done');

  const steps = STEPS.map((step) => {
    const view: StepView = { step, state: state.get(step) ?? 'pending' };
    const m = message.get(step);
    if (m !== undefined) view.message = m;
    return view;
  });
  const summary: ProgressSummary = {
    steps,
    images: [...images].map(([image, percent]) => ({ image, percent })),
    services: [...services].map(([service, health]) => ({ service, health })),
    finished: succeeded || failure !== undefined || rolledBack,
    succeeded,
  };
  if (queuePosition !== undefined) summary.queuePosition = queuePosition;
  if (failure) summary.failure = failure;
  return summary;
}
