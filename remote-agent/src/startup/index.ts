import type { RecoveryConfig } from '../config/schema';
import type { DockerHost } from '../docker/host';
import type { DockerLifecycle } from '../lifecycle/lifecycle';
import type { AuditInput } from '../state/audit-log';
import type { AgentEvent } from '@protocol/types';
import { lifecycleSteps } from './lifecycle-steps';
import { createRecovery, type Recovery } from './recovery';

export { bringUp, eachBounded, type BringUpSteps, type BringUpResult } from './bring-up';
export { createRecovery, type Recovery } from './recovery';

/** Docker restarts containers itself first; 30 s covers a dockerd restart on a busy host. */
export const DEFAULT_RECOVERY = { settleMs: 30_000, concurrency: 3 } as const;

/**
 * Recovery as the agent runs it: one pass right after start (a reboot, or an agent restart that
 * finds projects down) and one each time the engine's event stream comes back after dockerd
 * went away. Results go to the audit log; progress is `agent.recovery` on the event bus.
 */
export function startRecovery(deps: {
  lifecycle: DockerLifecycle;
  docker: DockerHost;
  config?: RecoveryConfig;
  emit(event: AgentEvent): void;
  audit(entry: AuditInput): void;
  onError(error: unknown): void;
}): Recovery {
  const recovery = createRecovery({
    steps: lifecycleSteps(deps.lifecycle.driver),
    engineConnected: () => deps.docker.engineLink().connected,
    settleMs: deps.config?.settleMs ?? DEFAULT_RECOVERY.settleMs,
    concurrency: deps.config?.concurrency ?? DEFAULT_RECOVERY.concurrency,
    emit: (event) => deps.emit({ type: 'agent.recovery', event }),
    onResult: (reason, result) =>
      deps.audit({
        actor: 'agent',
        action: 'agent.recovery',
        result: result.failed.length > 0 ? 'error' : 'ok',
        detail: {
          reason,
          started: result.started,
          failed: result.failed.map((f) => f.instanceId),
          alreadyUp: result.skipped.length,
        },
      }),
    onError: deps.onError,
  });
  // The start pass runs once the engine answers: at boot the agent may be up before dockerd.
  let started = false;
  const startPass = () => {
    if (started) return;
    started = true;
    recovery.trigger('agent-start');
  };
  const unsubscribe = deps.docker.onEvents({
    onEvent: () => {},
    onConnected: startPass,
    onReconnected: () => {
      if (started) recovery.trigger('engine-restart');
      else startPass();
    },
  });
  if (deps.docker.engineLink().connected) startPass();
  return {
    ...recovery,
    async close() {
      unsubscribe();
      await recovery.close();
    },
  };
}
