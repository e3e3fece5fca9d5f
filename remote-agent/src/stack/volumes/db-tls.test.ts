import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../../credentials/generate';
import type { InstancePorts } from '@protocol/types';
import { renderStack, type StackInput } from '../render';
import { DB_HBA_FILE, renderDatabaseHba } from './db-tls';

const ports: InstancePorts = {
  kongHttp: 8017,
  kongHttps: 8417,
  postgres: 5417,
  poolerTransaction: 6417,
};
const secrets = generateCredentials();

function render(overrides: Partial<StackInput> = {}) {
  const rendered = renderStack({
    instanceId: 'abc123def',
    name: 'Client site',
    ports,
    exposure: 'private',
    externalHost: null,
    secrets,
    imageOverrides: {},
    subnet: '10.211.4.0/24',
    ...overrides,
  });
  const definitions = rendered.serviceDefinitions!;
  const service = (name: string) =>
    JSON.parse(definitions[name]!) as { ports?: string[]; command?: string[]; volumes?: string[] };
  return { rendered, service };
}

const ON = { databaseTls: { addresses: ['203.0.113.10', '2001:db8::10'] } };

describe('Postgres over the internet in the rendered stack', () => {
  it('publishes Postgres itself on the public addresses only, and keeps the pooler on 127.0.0.1', () => {
    const { service } = render(ON);
    expect(service('db').ports).toEqual([
      '203.0.113.10:5417:5432/tcp',
      '[2001:db8::10]:5417:5432/tcp',
    ]);
    expect(service('supavisor').ports).toEqual([
      '127.0.0.1:5417:5432/tcp',
      '127.0.0.1:6417:6543/tcp',
    ]);
    // Even a public project's pooler stays local: the internet gets TLS-only Postgres or nothing.
    const pub = render({ ...ON, exposure: 'public', externalHost: '203.0.113.10' });
    expect(pub.service('supavisor').ports).toEqual([
      '127.0.0.1:5417:5432/tcp',
      '127.0.0.1:6417:6543/tcp',
    ]);
    expect(pub.service('kong').ports).toEqual(['8017:8000/tcp', '8417:8443/tcp']);
  });

  it('turns TLS on with the mounted certificate and the client rules that demand it', () => {
    const { rendered, service } = render(ON);
    const db = service('db');
    expect(db.command).toEqual(
      expect.arrayContaining([
        'ssl=on',
        'ssl_cert_file=/etc/ultrabase-tls/server.crt',
        'ssl_key_file=/etc/ultrabase-tls/server.key',
        'hba_file=/etc/postgresql/pg_hba-tls.conf',
      ]),
    );
    expect(db.volumes).toContain('./volumes/db/tls:/etc/ultrabase-tls:ro,z');
    expect(db.volumes).toContain(
      './volumes/db/pg_hba-tls.conf:/etc/postgresql/pg_hba-tls.conf:ro,z',
    );
    // No rendered file lives in the certificate's folder: writing the stack makes such folders
    // 0700, and Postgres (not root) must traverse it.
    expect(rendered.files.some((f) => f.path.startsWith('volumes/db/tls/'))).toBe(false);
    const hba = rendered.files.find((f) => f.path === DB_HBA_FILE)!;
    expect(hba.mode).toBe(0o644);
    const rules = hba.content.split('\n').filter((l) => l && !l.startsWith('#'));
    // Outside the project network: hostssl only, so a plain connection matches no line.
    expect(rules.filter((l) => /0\.0\.0\.0\/0|::\/0/.test(l))).toEqual([
      'hostssl all  all  0.0.0.0/0  scram-sha-256',
      'hostssl all  all  ::/0  scram-sha-256',
    ]);
    expect(rules).toContain('host    all  all  10.211.4.0/24  scram-sha-256');
    expect(rules.filter((l) => l.startsWith('host ')).map((l) => l.split(/\s+/)[3])).toEqual([
      '127.0.0.1/32',
      '::1/128',
      '10.211.4.0/24',
    ]);
  });

  it('falls back to Docker’s private pools for a project without a recorded subnet', () => {
    expect(renderDatabaseHba(undefined)).toContain(
      'host    all  all  172.16.0.0/12  scram-sha-256',
    );
  });

  it('changes nothing while off: no TLS file, no Postgres port, the pooler as before', () => {
    const off = render();
    expect(off.rendered.files.some((f) => f.path.includes('tls'))).toBe(false);
    expect(off.service('db').ports).toBeUndefined();
    expect(off.service('db').command).not.toContain('ssl=on');
    // The smallest restart: only db for a private project; db and the pooler for a public one.
    const changed = (overrides: Partial<StackInput>) => {
      const before = render(overrides).rendered.serviceDefinitions!;
      const after = render({ ...overrides, ...ON }).rendered.serviceDefinitions!;
      return Object.keys(after).filter((s) => after[s] !== before[s]);
    };
    expect(changed({})).toEqual(['db']);
    expect(changed({ exposure: 'public', externalHost: '203.0.113.10' }).sort()).toEqual([
      'db',
      'supavisor',
    ]);
  });
});
