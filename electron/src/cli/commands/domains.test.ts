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
});
