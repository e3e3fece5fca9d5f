import { describe, expect, it } from 'vitest';
import type { DomainView } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { fakeDesktop, fakeIo, project, run } from '../cli-test-kit';

const view = (patch: Partial<DomainView> = {}): DomainView => ({
  hostname: 'api.acme.test',
  target: 'api',
  hsts: false,
  studioAllowIps: [],
  addedAt: '2026-12-02T08:00:00.000Z',
  addedBy: 'admin',
  records: [{ type: 'A', name: 'api.acme.test', value: '203.0.113.10' }],
  certificate: { state: 'active', expiresAt: '2027-03-02T08:00:00.000Z' },
  ...patch,
});

function seeded() {
  const d = fakeDesktop({ projects: [project({ name: 'shop' })] });
  Object.assign(d, {
    async projectDomains(...args: unknown[]) {
      d.calls.push(['projectDomains', ...args]);
      return [view()];
    },
    async addProjectDomain(...args: unknown[]) {
      d.calls.push(['addProjectDomain', ...args]);
      if (args[2] === 'elsewhere.acme.test') {
        throw new UltrabaseError(
          'DOMAIN_DNS_MISMATCH',
          'elsewhere.acme.test resolves to 198.51.100.7',
          {
            hostname: 'elsewhere.acme.test',
            records: [{ type: 'A', name: 'elsewhere.acme.test', value: '203.0.113.10' }],
          } as never,
        );
      }
      return view({ hostname: String(args[2]), certificate: { state: 'pending' } });
    },
    async removeProjectDomain(...args: unknown[]) {
      d.calls.push(['removeProjectDomain', ...args]);
    },
    async updateProjectDomain(...args: unknown[]) {
      d.calls.push(['updateProjectDomain', ...args]);
      return view({ ...(args[3] as Partial<DomainView>) });
    },
    async serverDomains(...args: unknown[]) {
      d.calls.push(['serverDomains', ...args]);
      return [
        {
          instanceId: 'inst-shop',
          instanceName: 'shop',
          domain: view({
            certificate: {
              state: 'failed',
              lastError: { at: '2026-12-02T09:00:00Z', message: 'rateLimited: too many orders' },
            },
          }),
        },
        {
          instanceId: 'inst-blog',
          instanceName: 'blog',
          domain: view({
            hostname: 'blog.acme.test',
            certificate: {
              state: 'active',
              renewedAt: '2026-12-01T08:00:00.000Z',
              expiresAt: '2027-03-01T08:00:00.000Z',
            },
          }),
        },
      ];
    },
    async projectDatabaseAccess(...args: unknown[]) {
      d.calls.push(['projectDatabaseAccess', ...args]);
      return { enabled: false, port: 5432 };
    },
    async setProjectDatabaseAccess(...args: unknown[]) {
      d.calls.push(['setProjectDatabaseAccess', ...args]);
      if (args[2] === false) return { enabled: false, port: 5432 };
      return {
        enabled: true,
        hostname: 'api.acme.test',
        port: 5432,
        uri: 'postgresql://postgres@api.acme.test:5432/postgres?sslmode=verify-full',
      };
    },
  });
  return d;
}

describe('domains', () => {
  it('adds with the target, HSTS and the Studio allow-list', async () => {
    const d = seeded();
    const r = await run(
      [
        'domains',
        'add',
        'web',
        'shop',
        'x.acme.test',
        '--target',
        'both',
        '--hsts',
        '--allow-ip',
        '10.0.0.0/8, 203.0.113.7',
      ],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'addProjectDomain')?.slice(2)).toEqual([
      'inst-shop',
      'x.acme.test',
      { target: 'both', hsts: true, studioAllowIps: ['10.0.0.0/8', '203.0.113.7'] },
    ]);
    expect(r.stdout).toContain('x.acme.test now routes to the api; certificate: being issued');
  });

  it('lists certificates and the DNS records to create, the same JSON in every language', async () => {
    const r = await run(['domains', 'list', 'web', 'shop'], seeded());
    expect(r.stdout).toMatch(/api\.acme\.test\s+api\s+valid \(until 2027-03-02\)/);
    expect(r.stdout).toContain('api.acme.test. A 203.0.113.10');
    const en = await run(['domains', 'list', 'web', 'shop', '--json'], seeded());
    const pt = await run(
      ['domains', 'list', 'web', 'shop', '--json'],
      seeded(),
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(JSON.parse(pt.stdout)).toEqual(JSON.parse(en.stdout));
    expect(JSON.parse(en.stdout)[0].certificate.state).toBe('active');
  });

  it('a name pointing elsewhere fails with the record to create, in the reader’s language', async () => {
    const en = await run(['domains', 'add', 'web', 'shop', 'elsewhere.acme.test'], seeded());
    expect(en.code).toBe(1);
    expect(en.stderr).toContain('elsewhere.acme.test does not point to this server yet');
    expect(en.stderr).toContain('elsewhere.acme.test. A 203.0.113.10');
    const pt = await run(
      ['domains', 'add', 'web', 'shop', 'elsewhere.acme.test'],
      seeded(),
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(pt.stderr).toContain('ainda não aponta para este servidor');
    expect(pt.stderr).toContain('elsewhere.acme.test. A 203.0.113.10');
    const json = await run(
      ['domains', 'add', 'web', 'shop', 'elsewhere.acme.test', '--json'],
      seeded(),
    );
    expect(json.stdout + json.stderr).toContain('DOMAIN_DNS_MISMATCH');
  });

  it('removes', async () => {
    const d = seeded();
    const r = await run(['domains', 'remove', 'web', 'shop', 'api.acme.test'], d);
    expect(r.stdout).toBe('api.acme.test removed\n');
    expect(d.calls.find((c) => c[0] === 'removeProjectDomain')?.slice(2)).toEqual([
      'inst-shop',
      'api.acme.test',
    ]);
  });

  it('updates HSTS and the Studio allow-list; `all` opens Studio to everyone again', async () => {
    const d = seeded();
    const r = await run(
      [
        'domains',
        'update',
        'web',
        'shop',
        'api.acme.test',
        '--hsts',
        'on',
        '--allow-ip',
        '10.0.0.0/8',
      ],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'updateProjectDomain')?.slice(2)).toEqual([
      'inst-shop',
      'api.acme.test',
      { hsts: true, studioAllowIps: ['10.0.0.0/8'] },
    ]);
    expect(r.stdout).toBe('api.acme.test: HSTS on; Studio reachable from 10.0.0.0/8\n');
    const d2 = seeded();
    await run(['domains', 'update', 'web', 'shop', 'api.acme.test', '--allow-ip', 'all'], d2);
    expect(d2.calls.find((c) => c[0] === 'updateProjectDomain')?.[4]).toEqual({
      studioAllowIps: [],
    });
  });

  it('lists the whole server’s certificates with the last renewal and errors', async () => {
    const r = await run(['domains', 'certificates', 'web'], seeded());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/shop\s+api\.acme\.test\s+failed/);
    expect(r.stdout).toMatch(/blog\s+blog\.acme\.test\s+valid \(until 2027-03-01\)\s+2026-12-01/);
    expect(r.stdout).toContain('api.acme.test: rateLimited: too many orders');
    const json = JSON.parse(
      (await run(['domains', 'certificates', 'web', '--json'], seeded())).stdout,
    );
    expect(json.map((d: { domain: DomainView }) => d.domain.hostname)).toEqual([
      'api.acme.test',
      'blog.acme.test',
    ]);
  });

  it('shows and switches Postgres over the internet, with the warning and the URI', async () => {
    const shown = await run(['domains', 'database', 'web', 'shop'], seeded());
    expect(shown.stdout).toContain('not reachable from the internet');
    const d = seeded();
    const on = await run(
      ['domains', 'database', 'web', 'shop', '--internet', 'on', '--hostname', 'api.acme.test'],
      d,
    );
    expect(on.code, on.stderr).toBe(0);
    expect(d.calls.find((c) => c[0] === 'setProjectDatabaseAccess')?.slice(2)).toEqual([
      'inst-shop',
      true,
      { hostname: 'api.acme.test' },
    ]);
    expect(on.stdout).toContain('over TLS only');
    expect(on.stdout).toContain(
      'postgresql://postgres@api.acme.test:5432/postgres?sslmode=verify-full',
    );
    expect(on.stdout).toContain('Anyone on the internet can now try the database password');
    const pt = await run(
      ['domains', 'database', 'web', 'shop', '--internet', 'on', '--json'],
      seeded(),
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(JSON.parse(pt.stdout)).toMatchObject({ enabled: true, hostname: 'api.acme.test' });
  });
});
