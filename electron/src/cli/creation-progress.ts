import type { ProgressEvent } from '@contract/api';
import type { Translate } from './i18n';
import type { ProgressBar, ProgressDisplay } from './progress-display';

/** The steps a creation walks through after validation, in order; the overall bar counts them. */
const MAIN_STEPS: readonly ProgressEvent['step'][] = [
  'queued',
  'resources',
  'docker',
  'pull',
  'start',
  'health',
  'done',
];

/**
 * Turns a creation's progress events into what the person sees: one bar for the whole
 * creation (with the queue position while it waits), one bar per image being pulled, and a
 * line for each retry, rollback or failure.
 */
export class CreationProgress {
  private readonly overall: ProgressBar;
  private readonly images = new Map<string, ProgressBar>();
  private stepIndex = 0;

  constructor(
    private readonly display: ProgressDisplay,
    private readonly t: Translate,
    name: string,
  ) {
    this.overall = display.bar(t('progress.overall', { name }), MAIN_STEPS.length - 1);
  }

  show(e: ProgressEvent): void {
    const step = this.t(`steps.${e.step}`);
    const index = MAIN_STEPS.indexOf(e.step);
    if (index > this.stepIndex) this.stepIndex = index;
    if (e.step === 'queued' && e.queuePosition !== undefined && e.queuePosition > 0) {
      this.overall.update(this.stepIndex, this.t('progress.queued', { position: e.queuePosition }));
      return;
    }
    if (e.status === 'retry') {
      this.display.line(
        this.t('progress.retry', { step, attempt: e.attempt ?? '?', message: e.message ?? '' }),
      );
      return;
    }
    if (e.status === 'failed' || e.step === 'rollback') {
      this.display.line(
        this.t('progress.stepDetail', { step, status: this.t(`stepStatus.${e.status}`) }) +
          (e.error ? ` — ${e.error.message}` : e.message ? ` — ${e.message}` : ''),
      );
      return;
    }
    if (e.image) {
      this.imageBar(e.image).update(e.status === 'done' ? 100 : (e.percent ?? 0));
    }
    const detail =
      e.step === 'done'
        ? step
        : e.service && e.health
          ? this.t('progress.healthy', { service: e.service, health: this.t(`health.${e.health}`) })
          : this.t('progress.stepDetail', { step, status: this.t(`stepStatus.${e.status}`) });
    // A step counts as done on its own 'done' event, or when the creation reached 'done'.
    const done = e.status === 'done' || e.step === 'done' ? 1 : 0;
    this.overall.update(Math.min(this.stepIndex + done, MAIN_STEPS.length - 1), detail);
  }

  private imageBar(image: string): ProgressBar {
    let bar = this.images.get(image);
    if (!bar) {
      bar = this.display.bar(this.t('progress.pulling', { image }), 100);
      this.images.set(image, bar);
    }
    return bar;
  }
}
