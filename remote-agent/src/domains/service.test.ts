import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../auth/service';
import type { CertificateStatus, Instance } from '@protocol/types';
import type { ProxyRoute } from '../proxy/caddy-config';
import type { DnsLookup } from './dns-check';
import { DomainService } from './service';
import { DomainStore } from './store';

const admin: Caller = { username: 'root', role: 'admin', grants: [], tokenHash: 'a' };
const ana: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 'b' };
const bob: Caller = { username: 'bob', role: 'user', grants: ['inst01a'], tokenHash: 'c' };

const SERVER = '203.0.113.10';

function instance(id: string, kongHttp: number, owner = 'ana'): Instance {
  const base = `http://127.0.0.1:${kongHttp}`;
  return {
    id,
    name: id,
    owner,
    status: 'running',
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    exposure: 'private',
    ports: { kongHttp, kongHttps: kongHttp + 400, postgres: 5400, poolerTransaction: 6400 },
    urls: { api: base, studio: base, database: 'postgres://postgres.t@127.0.0.1:5400/postgres' },
    project: `ub_${id}`,
  };
}

let dir: string;
let instances: Map<string, Instance>;
let applied: ProxyRoute[][];
let removedCerts: string[];
let urlApplies: { id: string; publicUrl: string | undefined }[];
let dnsAsked: string[];
let proxyFails: boolean;
let answers: Record<string, string[]>;
let clock: number;

async function service(): Promise<DomainService> {
  const lookup: DnsLookup = {
    async addresses(name) {
      dnsAsked.push(name);
      return answers[name] ?? [];
    },
  };
  return new DomainService({
    store: await DomainStore.open(dir),
    proxy: {
      async apply(routes) {
        if (proxyFails) throw Object.assign(new Error('refused'), { code: 'PROXY_FAILED' });
        applied.push([...routes]);
      },
      async certificates(names) {
        return new Map<string, CertificateStatus>(names.map((n) => [n, { state: 'pending' }]));
      },
      async removeCertificate(name) {
        removedCerts.push(name);
        return 1;
      },
    },
    registry: {
      get: (id) => structuredClone(instances.get(id)),
      list: () => [...instances.values()],
    },
    lookup,
    serverAddresses: async () => [SERVER],
    baseUrls: (i) => ({
      ...i.urls,
      api: `http://127.0.0.1:${i.ports.kongHttp}`,
      studio: `http://127.0.0.1:${i.ports.kongHttp}`,
    }),
    // The apply path's part: the facts change (the rig test covers the stack side).
    urls: {
      async apply(id, target) {
        const next: Instance = { ...instances.get(id)!, urls: target.urls };
        if (target.publicUrl) next.publicUrl = target.publicUrl;
        else delete next.publicUrl;
        instances.set(id, next);
        urlApplies.push({ id, publicUrl: target.publicUrl });
      },
    },
    now: () => new Date(clock++ * 1000),
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-domains-'));
  instances = new Map([
    ['inst01a', instance('inst01a', 8101)],
    ['inst02b', instance('inst02b', 8102, 'root')],
  ]);
  applied = [];
  removedCerts = [];
  urlApplies = [];
  dnsAsked = [];
  proxyFails = false;
  answers = { 'api.acme.test': [SERVER], 'studio.acme.test': [SERVER], 'two.acme.test': [SERVER] };
  clock = 1;
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DomainService', () => {
  it('adds a domain: route to the project’s Kong, URLs to https, saved 0600', async () => {
    const domains = await service();
    const view = await domains.add(ana, 'inst01a', { hostname: 'API.acme.test' });
    expect(view).toMatchObject({
      hostname: 'api.acme.test',
      target: 'api',
      hsts: false,
      records: [{ type: 'A', name: 'api.acme.test', value: SERVER }],
      certificate: { state: 'pending' },
    });
    expect(applied.at(-1)).toEqual([
      { hostname: 'api.acme.test', target: 'api', kongPort: 8101, hsts: false, studioAllowIps: [] },
    ]);
    expect(instances.get('inst01a')!.urls.api).toBe('https://api.acme.test');
    expect(instances.get('inst01a')!.urls.database).toContain('127.0.0.1:5400');
    expect(urlApplies).toEqual([{ id: 'inst01a', publicUrl: 'https://api.acme.test' }]);
    expect(instances.get('inst01a')!.publicUrl).toBe('https://api.acme.test');
    const file = path.join(dir, 'domains.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).domains[0].hostname).toBe('api.acme.test');
  });

  it('refuses a name that points elsewhere before the proxy hears of it, and saves nothing', async () => {
    answers['api.acme.test'] = ['198.51.100.77'];
    const domains = await service();
    expect(await codeOf(domains.add(ana, 'inst01a', { hostname: 'api.acme.test' }))).toBe(
      'DOMAIN_DNS_MISMATCH',
    );
    expect(applied).toEqual([]);
    expect(urlApplies).toEqual([]);
    expect(await domains.list(ana, 'inst01a')).toEqual([]);
  });

  it('a studio domain moves the Studio URL only; the stack’s public URL stays', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', {
      hostname: 'studio.acme.test',
      target: 'studio',
      studioAllowIps: ['10.0.0.0/8'],
    });
    expect(instances.get('inst01a')!.urls.studio).toBe('https://studio.acme.test');
    expect(instances.get('inst01a')!.urls.api).toBe('http://127.0.0.1:8101');
    expect(urlApplies).toEqual([{ id: 'inst01a', publicUrl: undefined }]);
    expect(instances.get('inst01a')!.publicUrl).toBeUndefined();
    expect(applied.at(-1)![0]!.studioAllowIps).toEqual(['10.0.0.0/8']);
  });

  it('removes a domain: route and certificate gone, URLs back', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', { hostname: 'api.acme.test' });
    await domains.remove(ana, 'inst01a', 'api.acme.test.');
    expect(applied.at(-1)).toEqual([]);
    expect(removedCerts).toEqual(['api.acme.test']);
    expect(instances.get('inst01a')!.urls.api).toBe('http://127.0.0.1:8101');
    expect(urlApplies.at(-1)).toEqual({ id: 'inst01a', publicUrl: undefined });
    expect(instances.get('inst01a')!.publicUrl).toBeUndefined();
  });

  it('keeps every project’s routes when another one changes', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', { hostname: 'api.acme.test' });
    await domains.add(admin, 'inst02b', { hostname: 'two.acme.test', target: 'both', hsts: true });
    expect(applied.at(-1)!.map((r) => [r.hostname, r.kongPort])).toEqual([
      ['api.acme.test', 8101],
      ['two.acme.test', 8102],
    ]);
  });

  it('puts everything back when the proxy refuses the change', async () => {
    const domains = await service();
    proxyFails = true;
    expect(await codeOf(domains.add(ana, 'inst01a', { hostname: 'api.acme.test' }))).toBe(
      'PROXY_FAILED',
    );
    expect(await domains.list(ana, 'inst01a')).toEqual([]);
    expect(instances.get('inst01a')!.urls.api).toBe('http://127.0.0.1:8101');
  });

  it('refuses a name twice, a stranger, a mere grantee and a project being created', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', { hostname: 'api.acme.test' });
    expect(await codeOf(domains.add(admin, 'inst02b', { hostname: 'api.acme.test' }))).toBe(
      'DOMAIN_EXISTS',
    );
    expect(await codeOf(domains.add(bob, 'inst02b', { hostname: 'two.acme.test' }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(domains.add(bob, 'inst01a', { hostname: 'two.acme.test' }))).toBe(
      'FORBIDDEN',
    );
    expect((await domains.list(bob, 'inst01a')).map((d) => d.hostname)).toEqual(['api.acme.test']);
    instances.set('inst02b', { ...instances.get('inst02b')!, status: 'creating' });
    expect(await codeOf(domains.add(admin, 'inst02b', { hostname: 'two.acme.test' }))).toBe(
      'INVALID_STATE',
    );
    expect(dnsAsked).toEqual(['api.acme.test']);
  });

  it('forgets a deleted project’s domains, routes and certificates', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', { hostname: 'api.acme.test' });
    await domains.add(admin, 'inst02b', { hostname: 'two.acme.test' });
    instances.delete('inst01a');
    await domains.forgetInstance('inst01a');
    expect(applied.at(-1)!.map((r) => r.hostname)).toEqual(['two.acme.test']);
    expect(removedCerts).toEqual(['api.acme.test']);
  });

  it('reads back what an earlier agent saved, and starts empty without a file', async () => {
    const first = await service();
    await first.add(ana, 'inst01a', { hostname: 'api.acme.test' });
    applied = [];
    const second = await service();
    expect((await second.list(ana, 'inst01a')).map((d) => d.hostname)).toEqual(['api.acme.test']);
    await second.resume();
    expect(applied.at(-1)!.map((r) => r.hostname)).toEqual(['api.acme.test']);
    rmSync(path.join(dir, 'domains.json'));
    applied = [];
    const third = await service();
    expect(await third.list(ana, 'inst01a')).toEqual([]);
    await third.resume();
    expect(applied).toEqual([]);
  });

  it('updates HSTS and the Studio allow-list with a proxy load only; a bad range changes nothing', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', { hostname: 'studio.acme.test', target: 'studio' });
    const appliesBefore = urlApplies.length;
    const view = await domains.update(ana, 'inst01a', 'studio.acme.test', {
      hsts: true,
      studioAllowIps: ['192.0.2.0/24'],
    });
    expect(view).toMatchObject({ hsts: true, studioAllowIps: ['192.0.2.0/24'] });
    expect(applied.at(-1)![0]).toMatchObject({ hsts: true, studioAllowIps: ['192.0.2.0/24'] });
    expect(urlApplies).toHaveLength(appliesBefore);
    // Only what was given changes.
    await domains.update(ana, 'inst01a', 'studio.acme.test', { hsts: false });
    expect((await domains.list(ana, 'inst01a'))[0]).toMatchObject({
      hsts: false,
      studioAllowIps: ['192.0.2.0/24'],
    });
    expect(
      await codeOf(
        domains.update(ana, 'inst01a', 'studio.acme.test', { studioAllowIps: ['not a range'] }),
      ),
    ).not.toBe('ok');
    expect(await codeOf(domains.update(bob, 'inst01a', 'studio.acme.test', { hsts: true }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(domains.update(ana, 'inst01a', 'none.acme.test', { hsts: true }))).toBe(
      'NOT_FOUND',
    );
    // A proxy that refuses the new routes leaves the saved record as it was.
    proxyFails = true;
    expect(await codeOf(domains.update(ana, 'inst01a', 'studio.acme.test', { hsts: true }))).toBe(
      'PROXY_FAILED',
    );
    proxyFails = false;
    expect((await domains.list(ana, 'inst01a'))[0]!.hsts).toBe(false);
  });

  it('lists every domain of the server the caller may see, with its project, for the server page', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', { hostname: 'api.acme.test' });
    await domains.add(admin, 'inst02b', { hostname: 'two.acme.test' });
    const all = await domains.listServer(admin);
    expect(all.map((d) => [d.instanceName, d.domain.hostname, d.domain.certificate.state])).toEqual(
      [
        ['inst01a', 'api.acme.test', 'pending'],
        ['inst02b', 'two.acme.test', 'pending'],
      ],
    );
    expect((await domains.listServer(ana)).map((d) => d.domain.hostname)).toEqual([
      'api.acme.test',
    ]);
  });

  it('keeps the name Postgres over the internet uses until that is turned off', async () => {
    const domains = await service();
    await domains.add(ana, 'inst01a', { hostname: 'api.acme.test' });
    instances.set('inst01a', {
      ...instances.get('inst01a')!,
      databaseTls: { hostname: 'api.acme.test', addresses: [SERVER] },
    });
    expect(await codeOf(domains.remove(ana, 'inst01a', 'api.acme.test'))).toBe('INVALID_STATE');
    expect(await domains.list(ana, 'inst01a')).toHaveLength(1);
  });
});
