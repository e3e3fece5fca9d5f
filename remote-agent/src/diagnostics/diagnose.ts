import type { DiagnosticReport, Instance } from '@protocol/types';
import { containerChecks, networkCheck } from './checks/containers';
import { directChecks } from './checks/direct';
import { readDiagnosisFacts } from './checks/facts';
import { filesCheck } from './checks/files';
import { gatewayChecks } from './checks/gateway';
import { hostChecks } from './checks/host';
import { jwtKeysCheck } from './checks/keys';
import { logChecks } from './checks/logs';
import { postgresChecks } from './checks/postgres';
import { runChecks, worstStatus } from './run';
import type { DiagnoseDeps } from './types';

export interface DiagnoseOptions {
  /**
   * Add the host-wide checks (disk, memory, leftovers of other tenants' instances). Only for
   * admins: a user's report, and every scheduled report pushed to users, leaves them out.
   */
  includeHost: boolean;
}

/**
 * The HealthChecker: one report per instance, from Docker's view of the containers, probes of
 * every service (through Kong as clients reach them, and directly on the instance network),
 * Postgres logins with the instance's password, the files on disk against what the registry
 * implies, the host (for admins), and the logs. Each group of checks lives in checks/.
 */
export async function diagnose(
  instance: Instance,
  deps: DiagnoseDeps,
  options: DiagnoseOptions = { includeHost: false },
): Promise<DiagnosticReport> {
  const started = Date.now();
  const at = deps.now().toISOString();
  const facts = readDiagnosisFacts(instance, deps);
  const specs = [
    ...(await containerChecks(facts)),
    networkCheck(facts),
    filesCheck(facts),
    ...gatewayChecks(facts),
    jwtKeysCheck(facts),
    ...postgresChecks(facts),
    ...directChecks(facts),
    ...(options.includeHost ? hostChecks(facts) : []),
    ...(await logChecks(facts)),
  ];
  const checks = await runChecks(specs, { timeoutMs: deps.checkTimeoutMs });
  return {
    instanceId: instance.id,
    at,
    status: worstStatus(checks.map((c) => c.status)),
    checks,
    durationMs: Date.now() - started,
  };
}
