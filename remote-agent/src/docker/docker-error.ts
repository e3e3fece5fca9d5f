import { CodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';

/**
 * A failure talking to Docker, with the stable code the agent sends to clients. `transient`
 * marks what is worth retrying (a pull that timed out, a 5xx, a reset connection); the rest
 * (no socket, unknown image, a compose file Docker refuses) fails the step at once.
 */
export class DockerError extends CodedError {
  constructor(
    code: ErrorCode,
    message: string,
    data: Record<string, unknown> = {},
    readonly transient = false,
  ) {
    super(code, message, data);
  }
}

const TRANSIENT_ERRNO = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);
const UNREACHABLE_ERRNO = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'EPERM']);

/** Maps a socket-level error of the Engine API connection to a DockerError. */
export function socketError(err: NodeJS.ErrnoException, socketPath: string): DockerError {
  const errno = err.code ?? '';
  if (UNREACHABLE_ERRNO.has(errno)) {
    return new DockerError(
      ErrorCode.DOCKER_UNAVAILABLE,
      `Docker is not reachable at ${socketPath} (${errno}). Start the Docker daemon ` +
        `(systemctl start docker) and make sure the agent's user may use its socket.`,
      { socketPath, errno },
    );
  }
  return new DockerError(
    ErrorCode.DOCKER_UNAVAILABLE,
    `The connection to Docker broke (${errno || err.message}).`,
    { socketPath, errno },
    TRANSIENT_ERRNO.has(errno),
  );
}

/** Text of a pull error that is worth another attempt (registry or network hiccup). */
export function isTransientPullMessage(message: string): boolean {
  return /timeout|timed out|connection reset|EOF|503|502|504|500 Internal|too many requests|TLS handshake/i.test(
    message,
  );
}
