import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../auth/service';
import type { Instance } from '@protocol/types';
import { DatabaseAccess, publicAddresses } from './database-access';
import type { DomainRecord } from './store';

const ana: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 'b' };
const bob: Caller = { username: 'bob', role: 'user', grants: ['inst01a'], tokenHash: 'c' };

function record(hostname: string, target: DomainRecord['target'] = 'api'): DomainRecord {
  return {
    instanceId: 'inst01a',
    hostname,
    target,
    hsts: false,
    studioAllowIps: [],
    addedAt: '2026-12-01T00:00:00.000Z',
    addedBy: 'ana',
  };
}

let instance: Instance;
let records: DomainRecord[];
let held: Map<string, { cert: string; key: string }>;
let served: { cert: string; key: string } | undefined;
let applied: (Instance['databaseTls'] | undefined)[];
let reloads: number;
let addresses: string[];

function access(): DatabaseAccess {
  return new DatabaseAccess({
    registry: {
      get: (id) => (id === instance.id ? structuredClone(instance) : undefined),
      list: () => [instance],
    },
    domains: () => records,
    certificate: async (name) => held.get(name),
    certificateStatus: async () => ({ state: 'active', expiresAt: '2027-03-01T00:00:00.000Z' }),
    files: {
      read: async () => served,
      write: async (_id, pair) => {
        served = pair;
      },
      reload: async () => {
        reloads += 1;
      },
      remove: async () => {
        served = undefined;
      },
    },
    serverAddresses: async () => addresses,
    apply: async (_id, databaseTls) => {
      applied.push(databaseTls);
      if (databaseTls) instance.databaseTls = databaseTls;
      else delete instance.databaseTls;
    },
    exclusive: (task) => task(),
    warn: () => undefined,
  });
}

beforeEach(() => {
  instance = {
    id: 'inst01a',
    name: 'shop',
    owner: 'ana',
    status: 'running',
    createdAt: '',
    updatedAt: '',
    exposure: 'private',
    ports: { kongHttp: 8000, kongHttps: 8400, postgres: 5400, poolerTransaction: 6400 },
    urls: { api: 'https://api.shop.test', studio: '', database: '' },
    publicUrl: 'https://api.shop.test',
    project: 'ub_inst01a',
  };
  records = [record('admin.shop.test', 'studio'), record('api.shop.test')];
  held = new Map([['api.shop.test', { cert: 'CERT1', key: 'KEY1' }]]);
  served = undefined;
  applied = [];
  reloads = 0;
  addresses = ['127.0.0.1', '203.0.113.10'];
});

describe('Postgres over the internet', () => {
  it('is off by default', async () => {
    expect(await access().get(ana, 'inst01a')).toEqual({ enabled: false, port: 5400 });
  });

  it('uses the API domain’s certificate, written before the stack changes, on the public addresses', async () => {
    const view = await access().set(ana, 'inst01a', { enabled: true });
    expect(served).toEqual({ cert: 'CERT1', key: 'KEY1' });
    expect(applied).toEqual([{ hostname: 'api.shop.test', addresses: ['203.0.113.10'] }]);
    expect(view).toMatchObject({
      enabled: true,
      hostname: 'api.shop.test',
      port: 5400,
      uri: 'postgresql://postgres@api.shop.test:5400/postgres?sslmode=verify-full',
      certificate: { state: 'active' },
    });
    // Asked again with nothing new: the files are rewritten and reread, nothing is recreated.
    await access().set(ana, 'inst01a', { enabled: true });
    expect(applied).toHaveLength(1);
    expect(reloads).toBe(1);
  });

  it('refuses before changing anything while the name has no certificate, or is not the project’s', async () => {
    held.clear();
    await expect(access().set(ana, 'inst01a', { enabled: true })).rejects.toMatchObject({
      code: 'DOMAIN_CERTIFICATE_MISSING',
      data: { hostname: 'api.shop.test' },
    });
    await expect(
      access().set(ana, 'inst01a', { enabled: true, hostname: 'other.test' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    records = [];
    await expect(access().set(ana, 'inst01a', { enabled: true })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    expect(served).toBeUndefined();
    expect(applied).toEqual([]);
  });

  it('refuses when the server has no public address to publish on', async () => {
    addresses = ['127.0.0.1', '::1'];
    await expect(access().set(ana, 'inst01a', { enabled: true })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    expect(applied).toEqual([]);
  });

  it('lets only the owner or an admin change it; a grantee sees it', async () => {
    await expect(access().set(bob, 'inst01a', { enabled: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await access().get(bob, 'inst01a')).enabled).toBe(false);
  });

  it('turns off through the apply path, and only when on', async () => {
    await access().set(ana, 'inst01a', { enabled: false });
    expect(applied).toEqual([]);
    await access().set(ana, 'inst01a', { enabled: true });
    expect(await access().set(ana, 'inst01a', { enabled: false })).toEqual({
      enabled: false,
      port: 5400,
    });
    expect(applied.at(-1)).toBeUndefined();
    expect(instance.databaseTls).toBeUndefined();
    // The project's copy of the key goes once Postgres no longer uses it.
    expect(served).toBeUndefined();
  });

  it('hands a renewed certificate to Postgres and rereads it, once', async () => {
    await access().set(ana, 'inst01a', { enabled: true, hostname: 'api.shop.test' });
    expect(await access().refreshCertificates()).toBe(0);
    held.set('api.shop.test', { cert: 'CERT2', key: 'KEY2' });
    expect(await access().refreshCertificates()).toBe(1);
    expect(served).toEqual({ cert: 'CERT2', key: 'KEY2' });
    expect(reloads).toBe(1);
    expect(await access().refreshCertificates()).toBe(0);
  });

  it('never publishes on loopback or link-local addresses', () => {
    expect(
      publicAddresses([
        '127.0.0.1',
        '::1',
        'fe80::1',
        '169.254.1.1',
        '2001:db8::1',
        '198.51.100.7',
        'x',
      ]),
    ).toEqual(['198.51.100.7', '2001:db8::1']);
  });
});
