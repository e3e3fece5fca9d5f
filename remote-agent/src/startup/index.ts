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
 * Why Docker goes first (the restart-policy decision): every service is `restart:
 * unless-stopped`, so at boot and after a dockerd restart Docker starts every container that was
 * not stopped on purpose, all at once. We keep that rather than turning policies off and letting
 * the agent start everything in order: with policies off, a project would stay down whenever the
 * agent itself does not start (the non-systemd fallback has no boot hook, a broken upgrade, a
 * crash loop), and a container that crashes would not be restarted either. The price is that
 * Docker's own pass is not bounded (80 projects start together at boot). What Docker cannot do
 * is order across projects or bring back a stack it did not restart; that is this pass: databases first, N at once, only for what is still down. A project
 * stopped on purpose is `stopped` in the registry and "manually stopped" for Docker: both leave
 * it alone.
 *
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
