import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CertificateStatus } from '@protocol/types';

/** Warn this long before a certificate expires (Caddy renews at a third of its life left). */
export const EXPIRY_WARNING_MS = 14 * 24 * 3600_000;

export interface HeldCertificate {
  issuerDir: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Caddy's file storage keeps each certificate at
 * `certificates/<issuer directory>/<name>/<name>.crt` (one issuer directory per ACME CA).
 */
export async function heldCertificates(
  storageRoot: string,
  hostname: string,
): Promise<HeldCertificate[]> {
  const base = path.join(storageRoot, 'certificates');
  const issuers = await fs.readdir(base).catch(() => [] as string[]);
  const held: HeldCertificate[] = [];
  for (const issuerDir of issuers) {
    const file = path.join(base, issuerDir, hostname, `${hostname}.crt`);
    const pem = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (!pem) continue;
    try {
      const cert = new X509Certificate(pem);
      held.push({
        issuerDir,
        issuer: cert.issuer.replace(/\n/g, ', '),
        notBefore: new Date(cert.validFrom),
        notAfter: new Date(cert.validTo),
      });
    } catch {
      // A half-written file: Caddy writes it again.
    }
  }
  return held.sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime());
}

/** The newest held certificate (chain) and its key, as PEM: what Postgres serves with TLS. */
export async function certificatePair(
  storageRoot: string,
  hostname: string,
): Promise<{ cert: string; key: string } | undefined> {
  for (const held of await heldCertificates(storageRoot, hostname)) {
    const dir = path.join(storageRoot, 'certificates', held.issuerDir, hostname);
    const cert = await fs.readFile(path.join(dir, `${hostname}.crt`), 'utf8').catch(() => '');
    const key = await fs.readFile(path.join(dir, `${hostname}.key`), 'utf8').catch(() => '');
    if (cert && key) return { cert, key };
  }
  return undefined;
}

/** Removes every stored certificate (and key) of the name, from every issuer's folder. */
export async function removeCertificates(storageRoot: string, hostname: string): Promise<number> {
  const base = path.join(storageRoot, 'certificates');
  let removed = 0;
  for (const issuerDir of await fs.readdir(base).catch(() => [] as string[])) {
    const dir = path.join(base, issuerDir, hostname);
    const exists = await fs.stat(dir).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    await fs.rm(dir, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

export interface IssuanceError {
  at: string;
  message: string;
}

const LOG_TAIL_BYTES = 512 * 1024;

/**
 * The last issuance error per name, from Caddy's JSON log (`tls.obtain` and the ACME issuer's
 * entries carry the name as `identifier`). A success logged after it clears it.
 */
export async function issuanceErrors(logFile: string): Promise<Map<string, IssuanceError>> {
  const errors = new Map<string, IssuanceError>();
  const text = await readTail(logFile, LOG_TAIL_BYTES);
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const name = entry.identifier;
    if (typeof name !== 'string' || typeof entry.logger !== 'string') continue;
    if (!entry.logger.startsWith('tls')) continue;
    if (entry.level === 'error') {
      const at = typeof entry.ts === 'number' ? new Date(entry.ts * 1000).toISOString() : '';
      const detail = typeof entry.error === 'string' ? `: ${entry.error}` : '';
      errors.set(name, { at, message: `${String(entry.msg ?? 'error')}${detail}`.slice(0, 1000) });
    } else if (entry.msg === 'certificate obtained successfully') {
      errors.delete(name);
    }
  }
  return errors;
}

async function readTail(file: string, bytes: number): Promise<string> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    // A cut first line is not JSON: dropped.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}

/** What the project page shows for one name. */
export function certificateStatus(
  held: readonly HeldCertificate[],
  error: IssuanceError | undefined,
  now: Date,
): CertificateStatus {
  const newest = held[0];
  const lastError = error ? { lastError: error } : {};
  if (!newest) return { state: error ? 'failed' : 'pending', ...lastError };
  const left = newest.notAfter.getTime() - now.getTime();
  return {
    state: left <= 0 ? 'expired' : left <= EXPIRY_WARNING_MS ? 'expiring' : 'active',
    issuer: newest.issuer,
    renewedAt: newest.notBefore.toISOString(),
    expiresAt: newest.notAfter.toISOString(),
    ...lastError,
  };
}
