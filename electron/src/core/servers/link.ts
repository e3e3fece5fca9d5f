import type { Duplex } from 'node:stream';
import type { UltrabaseError } from '@contract/errors';

/**
 * How a session reaches its agent: over SSH (bootstrap, then a tunnel) or as a local child
 * process. The session above it (login, subscriptions, reconnect) is the same for both.
 */
export interface AgentLink {
  /** Establishes whatever is needed and returns a fresh byte channel to the agent. */
  open(onStep?: (step: string) => void): Promise<Duplex>;
  /** A TCP connection to host:port as seen from the server (local port forwards). */
  forward?(host: string, port: number): Promise<Duplex>;
  /** Registers a callback for the link dying underneath (SSH connection lost, child exited). */
  onDown(listener: () => void): void;
  /** Rewrites a connect failure the link knows more about (a staff login cannot upgrade). */
  explainFailure?(err: UltrabaseError): UltrabaseError;
  /**
   * The agent behind the channel `open` returned answered hello with this version. False: the
   * link skipped a check it should not have (an agent of another version answered a shortcut
   * open), and the session must open again, which then checks in full.
   */
  agentAnswered?(agentVersion: string): boolean;
  /** The last `open` took a shortcut that a failed hello may mean was wrong: forget it. */
  forgetShortcut?(): boolean;
  close(): Promise<void>;
}
