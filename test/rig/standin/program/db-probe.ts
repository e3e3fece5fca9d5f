// Where each service finds its database, read from the same environment variables the real
// service reads, and a cached "can I log in and run SELECT 1" probe for health endpoints.
import type { ServerResponse } from 'node:http';
import { passHealthFault, sendJson } from './http-kit';
import { describe, logError, logInfo } from './log';
import { pgQuery, type PgTarget } from '@common/pg-client';

export function targetFromUrl(value: string | undefined): PgTarget | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return {
    host: url.hostname || 'localhost',
    port: Number(url.port || '5432'),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '') || 'postgres'),
  };
}

export function targetFromParts(parts: {
  host?: string;
  port?: string;
  user?: string;
  password?: string;
  database?: string;
}): PgTarget | undefined {
  if (!parts.host) return undefined;
  return {
    host: parts.host,
    port: Number(parts.port || '5432'),
    user: parts.user || 'postgres',
    password: parts.password ?? '',
    database: parts.database || 'postgres',
  };
}

export type ProbeResult = { ok: true } | { ok: false; error: string };

/**
 * Logs in and runs `SELECT 1`, at most once a second; logs each change between reachable and
 * unreachable (errors on stderr, as the real services do when their database goes away).
 */
export class DbProbe {
  private last: { at: number; result: ProbeResult } | undefined;
  private pending: Promise<ProbeResult> | undefined;
  private wasOk: boolean | undefined;

  constructor(private readonly target: PgTarget | undefined) {}

  describeTarget(): string {
    const t = this.target;
    return t ? `${t.user}@${t.host}:${t.port}/${t.database}` : '(no database configured)';
  }

  check(): Promise<ProbeResult> {
    if (!this.target) return Promise.resolve({ ok: true });
    if (this.last && Date.now() - this.last.at < 1000) return Promise.resolve(this.last.result);
    this.pending ??= this.run(this.target).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async run(target: PgTarget): Promise<ProbeResult> {
    let result: ProbeResult;
    try {
      await pgQuery(target, 'SELECT 1', { timeoutMs: 3000 });
      result = { ok: true };
    } catch (error) {
      result = { ok: false, error: describe(error) };
    }
    this.last = { at: Date.now(), result };
    if (result.ok && this.wasOk !== true) logInfo(`database reachable: ${this.describeTarget()}`);
    if (!result.ok && this.wasOk !== false) {
      logError(`database ${this.describeTarget()} unavailable: ${result.error}`);
    }
    this.wasOk = result.ok;
    return result;
  }
}

/**
 * The shared front half of every health endpoint: the fault mode first, then the database.
 * Returns true when the caller should answer healthy.
 */
export async function passHealth(
  res: ServerResponse,
  probe: DbProbe | undefined,
  unhealthyBody: (error: string) => unknown = (error) => ({ message: error }),
): Promise<boolean> {
  if (!passHealthFault(res)) return false;
  const result = probe ? await probe.check() : { ok: true as const };
  if (result.ok) return true;
  sendJson(res, 503, unhealthyBody(result.error));
  return false;
}
