import { isCrashLoopingNow } from '../instances/state';
import type { OrphanProject } from '../diagnostics/orphans';
import type { NetworkFacts } from '../diagnostics/stack-facts';
import type { RepairAction, ServiceState } from '@protocol/types';
import type { StackFileDiff } from '../stack/files';

/** What repair looked at before deciding. */
export interface RepairFacts {
  states: ServiceState[];
  network: NetworkFacts;
  /** null when the secrets are unreadable: nothing can be re-rendered. */
  fileDiffs: StackFileDiff[] | null;
  orphans: OrphanProject[];
  /** A stopped instance gets its files and leftovers fixed, but is not started. */
  stopped: boolean;
}

/** Files read by a running service (re-read only at start), by path prefix. */
const FILE_READERS: [prefix: string, service: string][] = [
  ['volumes/api/', 'kong'],
  ['volumes/pooler/', 'supavisor'],
  ['volumes/functions/', 'functions'],
];

/**
 * The actions that bring an instance back to what the registry says, in the order they run:
 * leftovers out of the way, files back, the stack up (recreating the network when it is gone),
 * then restarts. Never an action that removes a registered instance's volume or data directory.
 */
export function planRepair(facts: RepairFacts): RepairAction[] {
  const actions: RepairAction[] = [];
  for (const orphan of facts.orphans) {
    for (const c of orphan.containers) {
      actions.push({
        kind: 'remove-orphan-container',
        target: c.name,
        reason: `Belongs to ${orphan.project}, which the registry no longer has.`,
      });
    }
    for (const n of orphan.networks) {
      actions.push({
        kind: 'remove-orphan-network',
        target: n.name,
        reason: `Network of ${orphan.project}, which the registry no longer has.`,
      });
    }
  }
  const restart = new Set<string>();
  for (const diff of facts.fileDiffs ?? []) {
    actions.push({
      kind: 'rerender-file',
      target: diff.path,
      reason:
        diff.problem === 'missing'
          ? 'Missing.'
          : diff.problem === 'content'
            ? 'Differs from what the registry implies.'
            : 'Has the wrong permissions.',
    });
    for (const [prefix, service] of FILE_READERS) {
      if (diff.path.startsWith(prefix) && diff.problem !== 'mode') restart.add(service);
    }
  }
  if (facts.stopped) return actions;

  const networkBroken = !facts.network.present || facts.network.detached.length > 0;
  if (networkBroken) {
    actions.push({
      kind: 'recreate-network',
      target: 'default',
      reason: facts.network.present
        ? `Containers detached from the instance network: ${facts.network.detached.join(', ')}.`
        : 'The instance network is missing.',
    });
  }
  const down = facts.states.filter(
    (s) => s.state !== 'running' && s.state !== 'restarting' && !isCrashLoopingNow(s),
  );
  const configChanged = (facts.fileDiffs ?? []).some(
    (d) => d.path === 'docker-compose.yml' || d.path === '.env',
  );
  if (!networkBroken && (down.length > 0 || configChanged)) {
    actions.push({
      kind: 'start-stack',
      target: down.length > 0 ? down.map((s) => s.service).join(', ') : 'all',
      reason:
        down.length > 0
          ? `Not running: ${down.map((s) => `${s.service} (${s.state})`).join(', ')}.`
          : 'Apply the re-rendered configuration.',
    });
  }
  // Recreating the network restarts every container anyway.
  if (!networkBroken) {
    for (const s of facts.states) {
      if (isCrashLoopingNow(s) || restartedNotReady(s)) restart.add(s.service);
      else if (s.state === 'running' && s.health === 'unhealthy') restart.add(s.service);
    }
    for (const service of [...restart].sort()) {
      const s = facts.states.find((x) => x.service === service);
      if (s && down.includes(s)) continue;
      actions.push({
        kind: 'restart-container',
        target: service,
        reason: !s
          ? 'Re-read its re-rendered configuration.'
          : isCrashLoopingNow(s) || restartedNotReady(s)
            ? `Keeps failing (${s.state}, ${s.restarts} restarts).`
            : s.health === 'unhealthy'
              ? 'Its healthcheck fails.'
              : 'Re-read its re-rendered configuration.',
      });
    }
  }
  return actions;
}

/**
 * Between two crashes a looping container shows as running and `starting` for a moment; one
 * that Docker already restarted and that is still not ready is treated as failing, so the plan
 * does not depend on which instant of the loop it was read at.
 */
function restartedNotReady(s: ServiceState): boolean {
  return s.state === 'running' && s.restarts > 0 && s.health !== 'healthy' && s.health !== 'none';
}
