import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../credentials/generate';
import { secretValues } from '../credentials/secrets';
import type { DockerEngine } from '../docker/engine';
import type { Instance } from '@protocol/types';
import { renderStack } from '../stack/render';
import { stackServices } from '../stack/services';
import { diagnose } from './diagnose';
import type { DiagnoseDeps } from './types';

const secrets = generateCredentials();
const instance: Instance = {
  id: 'abc123def',
  name: 'Client site',
  owner: 'alice',
  status: 'running',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  exposure: 'private',
  ports: { kongHttp: 8017, kongHttps: 8417, postgres: 5417, poolerTransaction: 6417 },
  urls: { api: 'http://127.0.0.1:8017', studio: 'http://127.0.0.1:8017', database: '' },
  project: 'ub_abc123def',
};
const services = stackServices(false).map((s) => s.name);
const network = `${instance.project}_default`;
/** Each service's container address on the instance network. */
const addressOf = new Map<string, string>(services.map((s, i) => [s, `10.77.0.${i + 2}`]));

/** Docker as it looks for a healthy instance: every container running on the project network. */
const engine = {
  listContainers: () =>
    Promise.resolve(
      services.map((service) => ({
        Id: `id-${service}`,
        Names: [`/${instance.project}_${service}_1`],
        Image: service,
        State: 'running',
        Status: 'Up',
        Labels: {
          'com.docker.compose.project': instance.project,
          'com.docker.compose.service': service,
        },
        Ports: [],
      })),
    ),
  inspectContainer: (id: string) => {
    const service = id.slice('id-'.length);
    return Promise.resolve({
      Id: id,
      Name: `/${instance.project}_${service}_1`,
      RestartCount: 0,
      State: { Status: 'running', Running: true, Restarting: false, OOMKilled: false, ExitCode: 0 },
      Config: { Tty: false, Labels: {} },
      HostConfig: {},
      NetworkSettings: {
        Networks: { [network]: { NetworkID: 'net-1', IPAddress: addressOf.get(service) } },
      },
    });
  },
  listNetworks: () => Promise.resolve([{ Name: network, Id: 'net-1', Labels: {} }]),
  logs: () => Promise.resolve(Readable.from([]) as unknown as IncomingMessage),
} as unknown as DockerEngine;

interface Sent {
  host: string;
  text: string;
}

function fakeDeps(sent: Sent[]): DiagnoseDeps {
  return {
    engine,
    instanceDir: () => '/nonexistent/instance',
    readSecrets: () => Promise.resolve(secrets),
    renderStack: (i, s) =>
      renderStack({ ...i, instanceId: i.id, secrets: s, imageOverrides: {}, externalHost: null }),
    expectedServices: services,
    readHost: () =>
      Promise.resolve({
        memoryTotalMb: 8000,
        memoryAvailableMb: 4000,
        diskTotalMb: 80000,
        diskFreeMb: 40000,
        load1: 0.1,
        cpus: 2,
      }),
    thresholds: { minFreeMemoryMb: 512, minFreeDiskMb: 2048 },
    findOrphans: () =>
      Promise.resolve([
        { project: 'ub_othertenant', instanceId: 'othertenant', containers: [], networks: [] },
      ]),
    http: (url, { headers }) => {
      sent.push({ host: new URL(url).hostname, text: `${url} ${JSON.stringify(headers ?? {})}` });
      // Kong: 401 without a credential or with a made-up key.
      const key = headers?.apikey ?? headers?.authorization;
      return Promise.resolve({ status: !key || key === 'not-a-key' ? 401 : 200, body: '' });
    },
    pgQuery: (target) => {
      sent.push({ host: target.host, text: `${target.user}:${target.password}` });
      return Promise.resolve([
        { fields: [{ name: '?column?', typeOid: 23 }], rows: [['1']], command: 'SELECT 1' },
      ]);
    },
    checkTimeoutMs: 2000,
    logTail: 10,
    now: () => new Date('2026-12-01T00:00:00.000Z'),
  };
}

describe('diagnose: what leaves the agent', () => {
  it('sends no secret to a host port, where any local user could be listening', async () => {
    const sent: Sent[] = [];
    const report = await diagnose(instance, fakeDeps(sent), { includeHost: true });
    const dashboard = Buffer.from(
      `${secrets.dashboardUsername}:${secrets.dashboardPassword}`,
    ).toString('base64');
    const containers = new Set(addressOf.values());
    const toHostPorts = sent.filter((s) => !containers.has(s.host));
    for (const s of toHostPorts) {
      for (const value of [...secretValues(secrets), dashboard]) {
        expect(s.text.includes(value), `${s.host}: ${s.text}`).toBe(false);
      }
    }
    // The checks that do need the secrets still run, against the containers themselves.
    for (const id of ['api.meta', 'api.studio', 'api.keys', 'postgres.session']) {
      expect(report.checks.find((c) => c.id === id)?.status, id).toBe('ok');
    }
    expect(sent.some((s) => s.text.includes(secrets.serviceRoleKey))).toBe(true);
    expect(sent.some((s) => s.text.includes(secrets.postgresPassword))).toBe(true);
  });
});

describe('diagnose: a stopped gateway or pooler', () => {
  it('fails the checks that need them without sending anything anywhere else', async () => {
    const sent: Sent[] = [];
    const deps = fakeDeps(sent);
    const stopped = new Set(['kong', 'supavisor']);
    deps.engine = {
      ...engine,
      inspectContainer: async (id: string) => {
        const info = (await engine.inspectContainer(id)) as unknown as Record<string, unknown>;
        if (!stopped.has(id.slice('id-'.length))) return info;
        return { ...info, NetworkSettings: { Networks: {} } };
      },
    } as unknown as DockerEngine;
    const report = await diagnose(instance, deps);
    const status = (id: string) => report.checks.find((c) => c.id === id);
    for (const id of ['api.rest', 'api.studio', 'api.keys', 'postgres.session']) {
      expect(status(id)?.status, id).toBe('fail');
    }
    expect(status('api.studio')?.evidence).toMatch(/Kong has no address/);
    expect(status('postgres.transaction')?.evidence).toMatch(/supavisor container has no address/);
    expect(sent.filter((s) => s.text.includes(secrets.serviceRoleKey))).toEqual([]);
  });
});

describe('diagnose: host checks', () => {
  it('leaves out host-wide checks (other tenants’ leftovers, capacity) unless asked for', async () => {
    const forUser = await diagnose(instance, fakeDeps([]));
    expect(forUser.checks.filter((c) => c.id.startsWith('host.'))).toEqual([]);
    expect(JSON.stringify(forUser)).not.toContain('othertenant');

    const forAdmin = await diagnose(instance, fakeDeps([]), { includeHost: true });
    expect(forAdmin.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['host.disk', 'host.memory', 'host.orphans']),
    );
    expect(JSON.stringify(forAdmin)).toContain('ub_othertenant');
  });
});
