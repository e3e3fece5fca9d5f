/**
 * Which backups a retention policy keeps, restic's `forget --keep-*` rules applied to whole
 * backups (a backup is two snapshots, database and files, that must go together): the newest
 * `last`, then the newest backup of each of the latest `daily` days, `weekly` ISO weeks and
 * `monthly` months (UTC). Safety backups are kept by the same rules as any other.
 */
export interface RetentionPolicy {
  last?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
}

export interface Dated {
  id: string;
  startedAt: string;
}

export function backupsToKeep(backups: readonly Dated[], policy: RetentionPolicy): Set<string> {
  const newestFirst = [...backups].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  const keep = new Set<string>(newestFirst.slice(0, policy.last ?? 0).map((b) => b.id));
  const rules: [number | undefined, (d: Date) => string][] = [
    [policy.daily, (d) => d.toISOString().slice(0, 10)],
    [policy.weekly, isoWeek],
    [policy.monthly, (d) => d.toISOString().slice(0, 7)],
  ];
  for (const [count, bucketOf] of rules) {
    if (!count) continue;
    const seen = new Set<string>();
    for (const backup of newestFirst) {
      const bucket = bucketOf(new Date(backup.startedAt));
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keep.add(backup.id);
      if (seen.size >= count) break;
    }
  }
  return keep;
}

function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${week}`;
}
