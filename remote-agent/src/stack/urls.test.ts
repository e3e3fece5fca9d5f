import { describe, expect, it } from 'vitest';
import { connectionStrings, instanceUrls } from './urls';

const ports = { kongHttp: 8001, kongHttps: 8401, postgres: 5401, poolerTransaction: 6401 };

describe('instanceUrls', () => {
  it('points private instances at the loopback reached through the tunnel', () => {
    expect(instanceUrls(ports, 'private', '203.0.113.9', 'ubabc12345')).toEqual({
      studio: 'http://127.0.0.1:8001',
      api: 'http://127.0.0.1:8001',
      database: 'postgres://postgres.ubabc12345@127.0.0.1:5401/postgres',
    });
  });

  it('uses the external host for public instances, bracketing IPv6', () => {
    expect(instanceUrls(ports, 'public', 'vps.example.org').api).toBe(
      'http://vps.example.org:8001',
    );
    expect(instanceUrls(ports, 'public', '2001:db8::1').api).toBe('http://[2001:db8::1]:8001');
  });

  it('refuses a public instance without a usable external host', () => {
    expect(() => instanceUrls(ports, 'public', undefined)).toThrow(/externalHost/);
    expect(() => instanceUrls(ports, 'public', '  ')).toThrow(/externalHost/);
    expect(() => instanceUrls(ports, 'public', 'evil.com/x?')).toThrow(/not a host name/);
  });

  it('builds full connection strings for the session and transaction pools', () => {
    const s = { postgresPassword: 'f'.repeat(32), poolerTenantId: 'ub12345678' };
    expect(connectionStrings(ports, 'private', null, s)).toEqual({
      databaseUrl: `postgres://postgres.ub12345678:${'f'.repeat(32)}@127.0.0.1:5401/postgres`,
      poolerTransactionUrl: `postgres://postgres.ub12345678:${'f'.repeat(32)}@127.0.0.1:6401/postgres`,
    });
  });
});
