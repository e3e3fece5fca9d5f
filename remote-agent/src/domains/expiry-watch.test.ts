import { describe, expect, it } from 'vitest';
import type { AgentEvent, CertificateStatus, DomainView } from '@protocol/types';
import { certificateStatus, EXPIRY_WARNING_MS } from '../proxy/certificates';
import { expiryWatch } from './expiry-watch';

const now = new Date('2026-12-02T08:00:00.000Z');
const days = (n: number) => new Date(now.getTime() + n * 24 * 3600_000);

const domain = (hostname: string, certificate: CertificateStatus): DomainView => ({
  hostname,
  target: 'api',
  hsts: false,
  studioAllowIps: [],
  addedAt: '',
  addedBy: 'ana',
  records: [],
  certificate,
});

describe('certificate status', () => {
  const held = (notAfter: Date) => [
    { issuerDir: 'acme', issuer: 'CN=Pebble', notBefore: days(-60), notAfter },
  ];

  it('is active until 14 days are left, then expiring, then expired', () => {
    expect(EXPIRY_WARNING_MS).toBe(14 * 24 * 3600_000);
    expect(certificateStatus(held(days(30)), undefined, now).state).toBe('active');
    expect(certificateStatus(held(days(13)), undefined, now).state).toBe('expiring');
    expect(certificateStatus(held(days(-1)), undefined, now).state).toBe('expired');
  });

  it('is pending without a certificate, failed when the last order failed', () => {
    const error = { at: now.toISOString(), message: 'could not get certificate: rateLimited' };
    expect(certificateStatus([], undefined, now)).toEqual({ state: 'pending' });
    expect(certificateStatus([], error, now)).toEqual({ state: 'failed', lastError: error });
    expect(certificateStatus(held(days(10)), error, now)).toMatchObject({
      state: 'expiring',
      lastError: error,
      expiresAt: days(10).toISOString(),
      renewedAt: days(-60).toISOString(),
    });
  });
});

describe('expiryWatch', () => {
  it('warns once per certificate that is about to expire without renewal', async () => {
    const events: AgentEvent[] = [];
    const warnings: string[] = [];
    const list = [
      {
        instanceId: 'a1',
        domain: domain('ok.acme.test', { state: 'active', expiresAt: days(60).toISOString() }),
      },
      {
        instanceId: 'a1',
        domain: domain('soon.acme.test', { state: 'expiring', expiresAt: days(9).toISOString() }),
      },
      {
        instanceId: 'b2',
        domain: domain('gone.acme.test', { state: 'expired', expiresAt: days(-2).toISOString() }),
      },
    ];
    const watch = expiryWatch({
      domains: async () => list,
      emit: (e) => events.push(e),
      warn: (_m, fields) => warnings.push(String(fields.hostname)),
    });
    expect(await watch.check()).toBe(2);
    expect(await watch.check()).toBe(2);
    expect(warnings).toEqual(['soon.acme.test', 'gone.acme.test']);
    expect(events.map((e) => e.type === 'domain.certificateExpiring' && e.domain.hostname)).toEqual(
      ['soon.acme.test', 'gone.acme.test'],
    );
  });
});
