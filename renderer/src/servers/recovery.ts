import type { RecoveryProgress, ServerView } from '@contract/api';

/** What the banner shows for one recovery event: which sentence, its numbers, the bar. */
export interface RecoveryLine {
  key: 'settling' | 'databases' | 'services';
  done: number;
  total: number;
  failed: number;
  /** 0–100 over the whole pass: every database, then every stack, each counts once. */
  percent: number;
}

/**
 * The banner's line for a recovery pass under way, or undefined when none runs. While Docker's
 * own restart policies work (`settling`) there is no count yet; then databases come first
 * ("12 of 80 (databases first)") and stacks after, and the bar covers both halves.
 */
export function recoveryLine(progress: RecoveryProgress | undefined): RecoveryLine | undefined {
  if (!progress || progress.phase === 'done') return undefined;
  const total = progress.total;
  const databases = progress.phase === 'databases' ? (progress.databases ?? 0) : total;
  const stacks = progress.phase === 'services' ? progress.done + progress.failed : 0;
  const percent =
    progress.phase === 'settling' || total === 0
      ? 0
      : Math.min(100, Math.round(((databases + stacks) / (2 * total)) * 100));
  return {
    key: progress.phase,
    done: progress.phase === 'databases' ? databases : progress.done,
    total,
    failed: progress.failed,
    percent,
  };
}

/** Whether a project's card says it is still waiting to be brought back. */
export function isWaiting(
  servers: readonly ServerView[],
  serverId: string,
  instanceId: string,
): boolean {
  const recovery = servers.find((s) => s.id === serverId)?.recovery;
  return recovery?.waiting?.includes(instanceId) ?? false;
}
