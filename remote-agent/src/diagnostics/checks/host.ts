import { judgeDisk, judgeMemory } from '../host';
import type { CheckOutcome, CheckSpec } from '../run';
import type { DiagnoseDeps } from '../types';
import type { DiagnosisFacts } from './facts';

/**
 * The host the instance shares with every other tenant: its disk, its memory, and leftovers
 * of other instances. For admins only: a user learns nothing about other tenants from these.
 */
export function hostChecks(facts: DiagnosisFacts): CheckSpec[] {
  const { deps } = facts;
  return [
    hostCheck('host.disk', 'Disk space', deps, (h) => judgeDisk(h, deps.thresholds.minFreeDiskMb)),
    hostCheck('host.memory', 'Memory', deps, (h) =>
      judgeMemory(h, deps.thresholds.minFreeMemoryMb),
    ),
    orphansCheck(deps),
  ];
}

function hostCheck(
  id: string,
  title: string,
  deps: DiagnoseDeps,
  judge: (h: Awaited<ReturnType<DiagnoseDeps['readHost']>>) => CheckOutcome,
): CheckSpec {
  return { id, title, run: async () => judge(await deps.readHost()) };
}

function orphansCheck(deps: DiagnoseDeps): CheckSpec {
  return {
    id: 'host.orphans',
    title: 'Leftovers of deleted instances',
    run: async (): Promise<CheckOutcome> => {
      const orphans = await deps.findOrphans();
      if (orphans.length === 0) return { status: 'ok', evidence: 'None.' };
      const list = orphans.map(
        (o) => `${o.project} (${o.containers.length} containers, ${o.networks.length} networks)`,
      );
      return {
        status: 'warn',
        evidence: `Containers of instances the registry no longer has: ${list.join(', ')}.`,
        fix: 'Run a repair: it removes them (their data volumes are kept).',
      };
    },
  };
}
