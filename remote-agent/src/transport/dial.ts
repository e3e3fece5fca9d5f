import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

/**
 * `agent.cjs dial`: for SSH servers that forbid stream-local forwarding, an exec channel runs
 * this and the bytes flow stdio ↔ socket unchanged. Resolves when either side closes.
 */
export function dialSocket(socketPath: string, input: Readable, output: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      input.pipe(socket);
      socket.pipe(output, { end: false });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (connected) return resolve();
      reject(
        new AgentError(
          ErrorCode.INTERNAL,
          `Cannot reach the agent at ${socketPath} (${error.code ?? error.message}); is it running?`,
          { socket: socketPath },
        ),
      );
    });
    socket.once('close', () => {
      if (connected) resolve();
    });
    // The client hung up: let the agent see the end of its session.
    input.once('end', () => socket.end());
  });
}
