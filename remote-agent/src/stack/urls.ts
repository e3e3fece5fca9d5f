import type { Exposure, InstancePorts, InstanceUrls } from '@protocol/types';
import type { InstanceSecrets } from '../credentials/secrets';
import { ErrorCode } from '@protocol/error-codes';
import { StackError } from './stack-error';

/**
 * Private instances publish on the VPS's loopback only and are reached through the desktop's
 * SSH tunnel; public ones publish on every interface and are reached at the server's external
 * address. There is no fallback address: a wrong guess would hand out URLs that reach nothing
 * (or someone else's server).
 */
export function publishAddress(exposure: Exposure): '127.0.0.1' | null {
  return exposure === 'private' ? '127.0.0.1' : null;
}

export function instanceHost(exposure: Exposure, externalHost: string | null | undefined): string {
  if (exposure === 'private') return '127.0.0.1';
  const host = externalHost?.trim();
  if (!host) {
    throw new StackError(
      ErrorCode.CONFIG_INVALID,
      'This project is public, but the agent does not know the server’s external address. ' +
        'Set "externalHost" in the agent configuration (or VPS_HOST), then try again.',
      { key: 'externalHost' },
    );
  }
  if (!/^[A-Za-z0-9.:-]+$/.test(host) && !/^\[[0-9A-Fa-f:.]+\]$/.test(host)) {
    throw new StackError(
      ErrorCode.CONFIG_INVALID,
      `"${host}" is not a host name or IP address; fix "externalHost" in the agent configuration.`,
      { key: 'externalHost' },
    );
  }
  // An IPv6 literal needs brackets inside a URL.
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Studio and the API share Kong's HTTP port (Kong routes `/` to Studio behind basic auth).
 * The database URL goes through the pooler's session mode, whose user names carry the tenant.
 */
export function instanceUrls(
  ports: InstancePorts,
  exposure: Exposure,
  externalHost: string | null | undefined,
  poolerTenantId?: string,
): InstanceUrls {
  const host = instanceHost(exposure, externalHost);
  const api = `http://${host}:${ports.kongHttp}`;
  const user = poolerTenantId ? `postgres.${poolerTenantId}` : 'postgres';
  return { studio: api, api, database: `postgres://${user}@${host}:${ports.postgres}/postgres` };
}

/** The full connection strings, password included, for the credentials view (never logged). */
export function connectionStrings(
  ports: InstancePorts,
  exposure: Exposure,
  externalHost: string | null | undefined,
  secrets: Pick<InstanceSecrets, 'postgresPassword' | 'poolerTenantId'>,
): { databaseUrl: string; poolerTransactionUrl: string } {
  const host = instanceHost(exposure, externalHost);
  const auth = `postgres.${secrets.poolerTenantId}:${secrets.postgresPassword}`;
  return {
    databaseUrl: `postgres://${auth}@${host}:${ports.postgres}/postgres`,
    poolerTransactionUrl: `postgres://${auth}@${host}:${ports.poolerTransaction}/postgres`,
  };
}
