import type { CheckStatus, DiagnosticCheck } from '@protocol/types';

/** One check to run: its identity up front, so a timeout can still be reported by name. */
export interface CheckSpec {
  id: string;
  title: string;
  service?: string;
  /** What to tell a person when the check does not answer in time. */
  timeoutFix?: string;
  run(signal: AbortSignal): Promise<CheckOutcome>;
}

export interface CheckOutcome {
  status: CheckStatus;
  evidence: string;
  fix?: string;
}

const RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'ok';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/**
 * Runs every check at once, each under its own deadline: a service that hangs (accepts the
 * connection, never answers) turns into a failed check, never into a report that never comes.
 * The check's signal is aborted at the deadline so its sockets close instead of leaking.
 */
export async function runChecks(
  specs: readonly CheckSpec[],
  options: { timeoutMs: number; now?: () => number },
): Promise<DiagnosticCheck[]> {
  const now = options.now ?? Date.now;
  return Promise.all(
    specs.map(async (spec): Promise<DiagnosticCheck> => {
      const started = now();
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<CheckOutcome>((resolve) => {
        timer = setTimeout(() => {
          controller.abort();
          resolve({
            status: 'fail',
            evidence: `No answer within ${formatSeconds(options.timeoutMs)}.`,
            fix: spec.timeoutFix ?? 'The service may be hanging: restart it (run a repair).',
          });
        }, options.timeoutMs);
      });
      let outcome: CheckOutcome;
      try {
        outcome = await Promise.race([spec.run(controller.signal), deadline]);
      } catch (err) {
        outcome = {
          status: 'fail',
          evidence: `The check itself failed: ${err instanceof Error ? err.message : String(err)}`,
        };
      } finally {
        clearTimeout(timer);
      }
      const check: DiagnosticCheck = {
        id: spec.id,
        title: spec.title,
        status: outcome.status,
        evidence: outcome.evidence,
        durationMs: Math.max(0, Math.round(now() - started)),
      };
      if (outcome.fix && outcome.status !== 'ok') check.fix = outcome.fix;
      if (spec.service) check.service = spec.service;
      return check;
    }),
  );
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
