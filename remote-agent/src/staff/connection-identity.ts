import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

/**
 * A staff member's SSH key runs one root-written forced command, `agent.cjs dial --socket …
 * --as ana`; dial's first message on the socket is `session.bind {username: "ana"}`, sent
 * before a single byte from the client is passed on. The agent cannot see which Linux account
 * is at the other end of its socket (Node has no SO_PEERCRED), and it does not need to: a bind
 * only ever narrows what a connection may do, so anyone may send one, and what makes it hold
 * for ana is that ana has no way to reach the socket except through her forced dial, which
 * always sends it first (no shell, `restrict` turns off forwarding, `command=` replaces any
 * exec or subsystem). Once bound, the connection logs in or resumes only as that name.
 */
export interface BindableSession {
  hello: boolean;
  tokenHash: string | undefined;
  boundTo: string | undefined;
}

/** Binds a fresh connection to one username; refused once it has done anything else. */
export function bindConnection(session: BindableSession, username: string): void {
  if (session.boundTo === username) return;
  if (session.boundTo !== undefined) {
    throw new AgentError(
      ErrorCode.FORBIDDEN,
      `This connection is already bound to ${session.boundTo}.`,
    );
  }
  if (session.hello || session.tokenHash !== undefined) {
    throw new AgentError(
      ErrorCode.INVALID_STATE,
      'session.bind must be the first message of a connection.',
    );
  }
  session.boundTo = username;
}

/**
 * Refuses a login or resume for any other username than the one the connection is bound to,
 * before the password is even looked at (it must not become a way to test bob's password).
 */
export function checkBoundIdentity(boundTo: string | undefined, username: string): void {
  if (boundTo === undefined || boundTo === username) return;
  throw new AgentError(
    ErrorCode.FORBIDDEN,
    `This is ${boundTo}'s staff login: it may only log in as ${boundTo}.`,
    { boundTo },
  );
}
