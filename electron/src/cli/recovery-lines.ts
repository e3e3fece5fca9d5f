import type { RecoveryProgress } from '@contract/api';
import type { Translate } from './i18n/catalogue';
import type { ProgressBar } from './progress-display';

/**
 * "Bringing projects back: 12 of 80 (databases first)": the sentence for a recovery pass under
 * way, the renderer's banner in words (renderer/src/servers/recovery.ts counts the same way).
 */
export function recoverySentence(progress: RecoveryProgress, t: Translate): string {
  const failed = progress.failed > 0 ? `; ${t('recovery.failed', { count: progress.failed })}` : '';
  if (progress.phase === 'settling') return t('recovery.settling');
  if (progress.phase === 'databases') {
    return (
      t('recovery.databases', { done: progress.databases ?? 0, total: progress.total }) + failed
    );
  }
  return t('recovery.services', { done: progress.done, total: progress.total }) + failed;
}

/** The bar's scale: every database once, then every stack once (0 while Docker settles). */
export function recoverySteps(progress: RecoveryProgress): { value: number; total: number } {
  const total = 2 * progress.total;
  if (progress.phase === 'settling') return { value: 0, total };
  if (progress.phase === 'databases') return { value: progress.databases ?? 0, total };
  if (progress.phase === 'services') {
    return { value: progress.total + progress.done + progress.failed, total };
  }
  return { value: total, total };
}

/** Moves a drawn bar (or the plain lines off a terminal) to the pass's latest event. */
export function showRecovery(bar: ProgressBar, progress: RecoveryProgress, t: Translate): void {
  bar.update(recoverySteps(progress).value, recoverySentence(progress, t));
}
