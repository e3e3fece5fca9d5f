import { isIP } from 'node:net';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { DatabaseAccessView, Instance } from '@protocol/types';
import type { Caller } from '../auth/service';
import { canDelete, canSee, notFound } from '../instances/permissions';
import type { CertificateStatus } from '@protocol/types';
import type { DomainRecord } from './store';

/** Where the project's copy of its certificate and key go, and how Postgres rereads them. */
export interface DatabaseCertificateFiles {
  /** The pair Postgres serves now, or undefined when none was written. */
  read(instanceId: string): Promise<{ cert: string; key: string } | undefined>;
  /** The key readable only by the database's own user (Postgres refuses it otherwise). */
  write(instanceId: string, pair: { cert: string; key: string }): Promise<void>;
  /** Postgres rereads its certificate without a restart (pg_reload_conf). */
  reload(instance: Instance): Promise<void>;
  /** Once Postgres no longer uses them: no copy of the key stays behind. */
  remove(instanceId: string): Promise<void>;
}

export interface DatabaseAccessDeps {
  registry: { get(id: string): Instance | undefined; list(): Instance[] };
  domains(instanceId: string): DomainRecord[];
  certificate(hostname: string): Promise<{ cert: string; key: string } | undefined>;
  certificateStatus(hostname: string): Promise<CertificateStatus>;
  files: DatabaseCertificateFiles;
  /** The server's addresses (the ones its domains resolve to). */
  serverAddresses(): Promise<string[]>;
  /** Puts the instance's new `databaseTls` fact into effect through the settings apply path. */
  apply(instanceId: string, databaseTls: Instance['databaseTls']): Promise<void>;
  /** Runs the task after every other domain change of this server (one at a time). */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  warn(message: string, fields: Record<string, unknown>): void;
}

/**
 * Postgres over the internet, opt-in per project and TLS only. Postgres serves the ACME
 * certificate of one of the project's domains (clients verify it with `sslmode=verify-full`
 * against the public CA), is published on the server's public addresses only while this is on,
 * and admits connections from outside the project's network over TLS only (stack/volumes/db-tls.ts).
 * The pooler keeps the same port number on 127.0.0.1, so the local tunnel is unchanged.
 */
export class DatabaseAccess {
  constructor(private readonly deps: DatabaseAccessDeps) {}

  async get(caller: Caller, instanceId: string): Promise<DatabaseAccessView> {
    const instance = this.deps.registry.get(instanceId);
    if (!instance || !canSee(caller, instance)) throw notFound(instanceId);
    return this.view(instance);
  }

  async set(
    caller: Caller,
    instanceId: string,
    request: { enabled: boolean; hostname?: string },
  ): Promise<DatabaseAccessView> {
    this.changeable(caller, instanceId);
    return this.deps.exclusive(async () => {
      const instance = this.changeable(caller, instanceId);
      if (!request.enabled) {
        if (instance.databaseTls) await this.deps.apply(instanceId, undefined);
        await this.deps.files.remove(instanceId);
      } else {
        const hostname = this.hostnameFor(instance, request.hostname);
        const pair = await this.deps.certificate(hostname);
        if (!pair) {
          throw new AgentError(
            ErrorCode.DOMAIN_CERTIFICATE_MISSING,
            `${hostname} has no certificate yet; Postgres over the internet needs it. Try again once the certificate is active.`,
            { hostname },
          );
        }
        const addresses = publicAddresses(await this.deps.serverAddresses());
        if (addresses.length === 0) {
          throw new AgentError(
            ErrorCode.INVALID_STATE,
            'This server has no public address to publish Postgres on (set proxy.serverAddresses in the agent configuration).',
          );
        }
        // The files before the fact: Postgres must find them when it starts with TLS on.
        await this.deps.files.write(instanceId, pair);
        const same =
          instance.databaseTls?.hostname === hostname &&
          instance.databaseTls.addresses.join() === addresses.join();
        if (same) await this.deps.files.reload(instance);
        else await this.deps.apply(instanceId, { hostname, addresses });
      }
      return this.view(this.deps.registry.get(instanceId) ?? instance);
    });
  }

  /**
   * Renewals: Caddy renews the certificate in its own storage; Postgres gets the new one and
   * rereads it (no restart). Run with the expiry watch and at agent start.
   */
  async refreshCertificates(): Promise<number> {
    let refreshed = 0;
    for (const instance of this.deps.registry.list()) {
      const hostname = instance.databaseTls?.hostname;
      if (!hostname) continue;
      try {
        const held = await this.deps.certificate(hostname);
        const served = await this.deps.files.read(instance.id);
        if (!held || (served && served.cert === held.cert && served.key === held.key)) continue;
        await this.deps.files.write(instance.id, held);
        await this.deps.files.reload(instance);
        refreshed += 1;
      } catch (error) {
        this.deps.warn('Postgres did not get the renewed certificate', {
          instance: instance.id,
          hostname,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return refreshed;
  }

  private async view(instance: Instance): Promise<DatabaseAccessView> {
    const port = instance.ports.postgres;
    const hostname = instance.databaseTls?.hostname;
    if (!hostname) return { enabled: false, port };
    return {
      enabled: true,
      hostname,
      port,
      uri: `postgresql://postgres@${hostname}:${port}/postgres?sslmode=verify-full`,
      certificate: await this.deps.certificateStatus(hostname),
    };
  }

  /** The name asked for (one of the project's domains), else the API domain, else the first. */
  private hostnameFor(instance: Instance, asked: string | undefined): string {
    const records = this.deps.domains(instance.id);
    if (asked !== undefined) {
      const name = asked.trim().toLowerCase().replace(/\.$/, '');
      if (!records.some((r) => r.hostname === name)) {
        throw new AgentError(ErrorCode.NOT_FOUND, `${name} is not a domain of this project.`, {
          hostname: name,
        });
      }
      return name;
    }
    const api = instance.publicUrl?.replace(/^https:\/\//, '');
    const chosen = records.find((r) => r.hostname === api) ?? records[0];
    if (!chosen) {
      throw new AgentError(
        ErrorCode.INVALID_STATE,
        'Postgres over the internet needs a domain of this project (its certificate is what clients verify): add one first.',
      );
    }
    return chosen.hostname;
  }

  private changeable(caller: Caller, instanceId: string): Instance {
    const instance = this.deps.registry.get(instanceId);
    if (!instance || !canSee(caller, instance)) throw notFound(instanceId);
    if (!canDelete(caller, instance)) {
      throw new AgentError(
        ErrorCode.FORBIDDEN,
        'Only the owner of this project or an admin may open its database to the internet.',
      );
    }
    return instance;
  }
}

/** Loopback and link-local addresses are no way in from the internet (and 127.0.0.1 is the pooler's). */
export function publicAddresses(addresses: readonly string[]): string[] {
  const out = addresses.filter((a) => {
    if (isIP(a) === 0) return false;
    const lower = a.toLowerCase();
    return !(
      lower.startsWith('127.') ||
      lower === '::1' ||
      lower.startsWith('fe80:') ||
      lower.startsWith('169.254.') ||
      lower === '0.0.0.0' ||
      lower === '::'
    );
  });
  return [...new Set(out)].sort();
}
