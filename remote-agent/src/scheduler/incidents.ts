import type { CheckStatus, DiagnosticReport } from '@protocol/types';

export interface RepairPolicy {
  /** Repairs per incident before the agent stops and asks for a person. */
  maxAttempts: number;
  /** Wait before the second attempt; doubles after each one. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_REPAIR_POLICY: RepairPolicy = {
  maxAttempts: 3,
  backoffBaseMs: 60_000,
  backoffMaxMs: 30 * 60_000,
};

/** One instance's run of failing diagnoses, from the first failure to the next clean report. */
export interface Incident {
  startedAt: number;
  attempts: number;
  /** No repair before this time (backoff). */
  nextAttemptAt: number;
  gaveUp: boolean;
}

export type Decision =
  | { kind: 'healthy'; resolved: Incident | undefined }
  | { kind: 'repair'; attempt: number }
  | { kind: 'wait'; until: number }
  | { kind: 'give-up' }
  | { kind: 'given-up' };

/**
 * What the scheduler does with a report, given the instance's open incident: repair at once on
 * the first failure, then back off exponentially, and after `maxAttempts` stop for good until a
 * report comes back clean (a crash loop gets reported, not hammered). Warnings never repair:
 * they are for people (an error line, a disk filling up).
 */
export function decide(
  incident: Incident | undefined,
  status: CheckStatus,
  now: number,
  policy: RepairPolicy,
): { decision: Decision; incident: Incident | undefined } {
  if (status !== 'fail')
    return { decision: { kind: 'healthy', resolved: incident }, incident: undefined };
  const open: Incident = incident ?? {
    startedAt: now,
    attempts: 0,
    nextAttemptAt: now,
    gaveUp: false,
  };
  if (open.gaveUp) return { decision: { kind: 'given-up' }, incident: open };
  if (open.attempts >= policy.maxAttempts) {
    return { decision: { kind: 'give-up' }, incident: { ...open, gaveUp: true } };
  }
  if (now < open.nextAttemptAt)
    return { decision: { kind: 'wait', until: open.nextAttemptAt }, incident: open };
  const attempts = open.attempts + 1;
  const delay = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempts - 1));
  return {
    decision: { kind: 'repair', attempt: attempts },
    incident: { ...open, attempts, nextAttemptAt: now + delay },
  };
}

/** What makes two reports "the same diagnosis": the overall status and which checks are off. */
export function reportSignature(report: DiagnosticReport): string {
  const off = report.checks
    .filter((c) => c.status !== 'ok')
    .map((c) => `${c.id}:${c.status}`)
    .sort();
  return [report.status, ...off].join('|');
}
