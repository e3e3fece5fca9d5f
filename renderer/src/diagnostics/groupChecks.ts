import type { CheckStatus, DiagnosticCheck } from '@protocol/types';

export interface CheckRow {
  check: DiagnosticCheck;
  /** The failing container check this one follows from, shown as its cause. */
  causedBy?: DiagnosticCheck;
}

const ORDER: Record<CheckStatus, number> = { fail: 0, warn: 1, ok: 2 };

/**
 * Worst first, and a failing check of a service whose container already fails is put under
 * that container as a consequence: one killed `rest` container used to read as five separate
 * failures, each suggesting a repair.
 */
export function groupChecks(checks: readonly DiagnosticCheck[]): CheckRow[] {
  const sorted = [...checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const downContainers = new Map<string, DiagnosticCheck>();
  for (const c of sorted)
    if (c.status === 'fail' && c.id.startsWith('container.') && c.service)
      downContainers.set(c.service, c);
  const consequences = new Map<string, DiagnosticCheck[]>();
  const rows: CheckRow[] = [];
  for (const c of sorted) {
    const cause = c.service !== undefined ? downContainers.get(c.service) : undefined;
    if (cause && cause !== c && c.status !== 'ok') {
      const list = consequences.get(cause.id) ?? [];
      list.push(c);
      consequences.set(cause.id, list);
    }
  }
  const placed = new Set<DiagnosticCheck>([...consequences.values()].flat());
  for (const c of sorted) {
    if (placed.has(c)) continue;
    rows.push({ check: c });
    for (const follower of consequences.get(c.id) ?? [])
      rows.push({ check: follower, causedBy: c });
  }
  return rows;
}
