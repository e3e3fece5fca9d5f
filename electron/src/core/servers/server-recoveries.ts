import type { RecoveryProgress } from '@protocol/types';
import type { SessionStatus } from './agent-session';

/**
 * Each server's start-up recovery pass as the desktop last heard it (`agent.recovery`), shown
 * with the server's state. Only a connected server has one: a new connection is told the pass
 * under way again by the agent, first thing on its event stream.
 */
export class ServerRecoveries {
  private readonly latest = new Map<string, RecoveryProgress>();

  note(serverId: string, progress: RecoveryProgress): void {
    if (progress.phase === 'done') this.latest.delete(serverId);
    else this.latest.set(serverId, progress);
  }

  forget(serverId: string): void {
    this.latest.delete(serverId);
  }

  /** The session's status with the pass under way, if any. */
  withStatus(serverId: string, status: SessionStatus): SessionStatus {
    const recovery = status.state === 'connected' ? this.latest.get(serverId) : undefined;
    return recovery ? { ...status, recovery } : status;
  }
}
