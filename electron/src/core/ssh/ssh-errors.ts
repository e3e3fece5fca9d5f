import { UltrabaseError } from '@contract/errors';

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

/** Turns what ssh2 and the socket layer throw into codes a person can act on. */
export function toSshError(err: unknown, where: { host: string; port: number }): UltrabaseError {
  if (err instanceof UltrabaseError) return err;
  const e = err as Ssh2Error;
  const target = `${where.host}:${where.port}`;
  const data = { host: where.host, port: where.port };
  if (e?.level === 'client-authentication') {
    return new UltrabaseError(
      'SSH_AUTH_FAILED',
      `The server ${target} refused the login. Check the user name and the password or key.`,
      data,
    );
  }
  switch (e?.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UltrabaseError(
        'HOST_NOT_FOUND',
        `The host name ${where.host} could not be resolved. Check the spelling and your DNS.`,
        data,
      );
    case 'ECONNREFUSED':
      return new UltrabaseError(
        'CONNECTION_REFUSED',
        `Nothing accepts SSH connections on ${target}. Check the port and that sshd is running.`,
        data,
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new UltrabaseError(
        'CONNECTION_TIMEOUT',
        `${target} did not answer. Check the address, the network and any firewall.`,
        data,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return new UltrabaseError('CONNECTION_LOST', `The connection to ${target} was cut.`, data);
    default:
      break; // not a socket error: the SSH layer's own kinds below
  }
  if (e?.level === 'client-timeout') {
    return new UltrabaseError(
      'CONNECTION_TIMEOUT',
      `${target} did not complete the SSH handshake in time.`,
      data,
    );
  }
  if (e?.level === 'agent') {
    return new UltrabaseError(
      'SSH_AUTH_FAILED',
      `The SSH agent could not be used: ${e.message}`,
      data,
    );
  }
  return new UltrabaseError(
    'CONNECTION_LOST',
    `SSH to ${target} failed: ${e?.message ?? String(err)}`,
    data,
  );
}
