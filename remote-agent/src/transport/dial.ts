import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

/** The id of dial's own bind request; its answer is read by dial and never passed on. */
const BIND_ID = 'dial-bind';

/**
 * `agent.cjs dial`: for SSH servers that forbid stream-local forwarding, an exec channel runs
 * this and the bytes flow stdio ↔ socket unchanged. Resolves when either side closes.
 *
 * With `as` (a staff member's forced command, written by root), the first message on the
 * socket is dial's own `session.bind`, and nothing from the client is passed on until the
 * agent accepted it: the connection can then log in only as that account.
 */
export function dialSocket(
  socketPath: string,
  input: Readable,
  output: Writable,
  options: { as?: string } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let connected = false;
    const pipe = () => {
      input.pipe(socket);
      socket.pipe(output, { end: false });
      // The client hung up: let the agent see the end of its session.
      input.once('end', () => socket.end());
    };
    socket.once('connect', () => {
      connected = true;
      if (options.as === undefined) return pipe();
      socket.write(
        JSON.stringify({
          jsonrpc: '2.0',
          id: BIND_ID,
          method: 'session.bind',
          params: { username: options.as },
        }) + '\n',
      );
      readFirstLine(socket, (line, rest) => {
        let answer: { result?: unknown; error?: { message?: string } } | undefined;
        try {
          answer = JSON.parse(line) as typeof answer;
        } catch {
          answer = undefined;
        }
        if (!answer || answer.error || answer.result === undefined) {
          socket.destroy();
          connected = false;
          reject(
            new AgentError(
              ErrorCode.INTERNAL,
              `The agent refused this staff login (${answer?.error?.message ?? 'no answer'}).`,
            ),
          );
          return;
        }
        if (rest.length > 0) output.write(rest);
        pipe();
      });
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
  });
}

/** Collects the socket's bytes up to the first newline, then hands the rest back unread. */
function readFirstLine(socket: net.Socket, done: (line: string, rest: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const at = buffered.indexOf(0x0a);
    if (at < 0) {
      if (buffered.length > 64 * 1024) socket.destroy();
      return;
    }
    socket.off('data', onData);
    socket.pause();
    done(buffered.subarray(0, at).toString('utf8'), buffered.subarray(at + 1));
  };
  socket.on('data', onData);
}
