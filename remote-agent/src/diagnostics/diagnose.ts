import { verifyJwt, type InstanceSecrets } from '../credentials';
import { secretValues } from '../credentials/secrets';
import { readServiceStates } from '../lifecycle/status';
import type { DiagnosticReport, Instance } from '../protocol/types';
import { diffStackFiles } from '../stack/files';
import { STACK_SERVICES } from '../stack/services';
import { judgeContainer } from './containers';
import { judgeDisk, judgeMemory } from './host';
import { judgeLogLines } from './log-scan';
import { runChecks, worstStatus, type CheckOutcome, type CheckSpec } from './run';
import { readLogTail, readNetworkFacts, type NetworkFacts } from './stack-facts';
import type { DiagnoseDeps } from './types';

/**
 * The HealthChecker: one report per instance, from Docker's view of the containers, probes of
 * every service (through Kong as clients reach them, and directly on the instance network),
 * Postgres logins with the instance's password, the files on disk against what the registry
 * implies, the host, and the logs. Facts shared by several checks are read once, up front.
 */
export async function diagnose(instance: Instance, deps: DiagnoseDeps): Promise<DiagnosticReport> {
  const started = Date.now();
  const at = deps.now().toISOString();
  const secretsP = deps.readSecrets(instance.id);
  const statesP = readServiceStates(deps.engine, instance.project, deps.expectedServices);
  const networkP = readNetworkFacts(deps.engine, instance.project);
  // Read failures surface inside the checks that need them, each with its own sentence.
  for (const p of [secretsP, statesP, networkP]) p.catch(() => undefined);

  const specs: CheckSpec[] = [
    ...(await containerSpecs(statesP, deps)),
    networkSpec(networkP),
    filesSpec(instance, secretsP, deps),
    ...apiSpecs(instance, secretsP, deps),
    keysSpec(secretsP, deps),
    ...postgresSpecs(instance, secretsP, networkP, deps),
    ...directSpecs(networkP, deps),
    hostSpec('host.disk', 'Disk space', deps, (h) => judgeDisk(h, deps.thresholds.minFreeDiskMb)),
    hostSpec('host.memory', 'Memory', deps, (h) => judgeMemory(h, deps.thresholds.minFreeMemoryMb)),
    orphansSpec(deps),
    ...(await logSpecs(networkP, secretsP, deps)),
  ];
  const checks = await runChecks(specs, { timeoutMs: deps.checkTimeoutMs });
  return {
    instanceId: instance.id,
    at,
    status: worstStatus(checks.map((c) => c.status)),
    checks,
    durationMs: Date.now() - started,
  };
}

async function containerSpecs(
  statesP: ReturnType<typeof readServiceStates>,
  deps: DiagnoseDeps,
): Promise<CheckSpec[]> {
  const states = await statesP.catch((err: unknown) => err as Error);
  if (states instanceof Error) {
    return [
      {
        id: 'docker',
        title: 'Docker engine',
        run: () =>
          Promise.resolve({
            status: 'fail',
            evidence: `Docker does not answer: ${states.message}`,
            fix: 'Start Docker (systemctl start docker), then diagnose again.',
          }),
      },
    ];
  }
  const known = new Set(deps.expectedServices);
  return states.map((s) => ({
    id: `container.${s.service}`,
    title: `${titleOf(s.service)} container`,
    service: s.service,
    run: () =>
      Promise.resolve(
        known.has(s.service)
          ? judgeContainer(s)
          : {
              status: 'warn' as const,
              evidence: `A container for "${s.service}", which the stack does not define.`,
              fix: 'Run a repair: "compose up --remove-orphans" removes it.',
            },
      ),
  }));
}

function networkSpec(networkP: Promise<NetworkFacts>): CheckSpec {
  return {
    id: 'network',
    title: 'Instance network',
    run: async () => {
      const facts = await networkP;
      if (!facts.present) {
        return {
          status: 'fail',
          evidence:
            'The instance’s Docker network does not exist: its services cannot reach each other.',
          fix: 'Run a repair: it recreates the network and reattaches every container.',
        };
      }
      if (facts.detached.length > 0) {
        return {
          status: 'fail',
          evidence: `Running but not attached to the instance network: ${facts.detached.join(', ')}.`,
          fix: 'Run a repair: it recreates those containers on the network.',
        };
      }
      return { status: 'ok', evidence: `${facts.containers.length} containers attached.` };
    },
  };
}

function filesSpec(
  instance: Instance,
  secretsP: Promise<InstanceSecrets>,
  deps: DiagnoseDeps,
): CheckSpec {
  return {
    id: 'files',
    title: 'Configuration files',
    run: async (): Promise<CheckOutcome> => {
      const secrets = await secretsP.catch(() => undefined);
      if (!secrets) {
        return {
          status: 'fail',
          evidence:
            'The instance’s credentials file (secrets.json) is missing or damaged, so its configuration cannot be checked or re-rendered.',
          fix: 'Restore secrets.json of this instance from a backup; repair cannot invent its passwords.',
        };
      }
      const diffs = await diffStackFiles(
        deps.instanceDir(instance.id),
        deps.renderStack(instance, secrets),
      );
      if (diffs.length === 0) return { status: 'ok', evidence: 'Every file matches the registry.' };
      const words = { missing: 'missing', content: 'altered', mode: 'wrong permissions' };
      return {
        status: 'fail',
        evidence: diffs.map((d) => `${d.path}: ${words[d.problem]}`).join('; '),
        fix: 'Run a repair: it re-renders these files from the registry and applies them.',
      };
    },
  };
}

function apiSpecs(
  instance: Instance,
  secretsP: Promise<InstanceSecrets>,
  deps: DiagnoseDeps,
): CheckSpec[] {
  const base = `http://127.0.0.1:${instance.ports.kongHttp}`;
  const probe = (
    id: string,
    title: string,
    service: string,
    path: string,
    headers: (s: InstanceSecrets) => Record<string, string>,
  ): CheckSpec => ({
    id,
    title,
    service,
    run: async (signal) => {
      const secrets = await secretsP;
      const url = `${base}${path}`;
      try {
        const res = await deps.http(url, { headers: headers(secrets), signal });
        if (res.status >= 200 && res.status < 300) {
          return { status: 'ok', evidence: `GET ${path} → ${res.status}` };
        }
        return {
          status: 'fail',
          evidence: `GET ${path} through Kong → ${res.status} ${snippet(res.body)}`,
          fix: `Check the "${service}" and "kong" containers above and their logs; a repair restarts what is down.`,
        };
      } catch (err) {
        return {
          status: 'fail',
          evidence: `Kong on port ${instance.ports.kongHttp} does not answer: ${message(err)}`,
          fix: 'Check the "kong" container above; a repair starts it again.',
        };
      }
    },
  });
  const anon = (s: InstanceSecrets) => ({ apikey: s.anonKey });
  return [
    probe('api.auth', 'Auth through Kong', 'auth', '/auth/v1/health', anon),
    probe('api.rest', 'REST API through Kong (anon key)', 'rest', '/rest/v1/', anon),
    probe('api.storage', 'Storage through Kong', 'storage', '/storage/v1/status', anon),
    probe('api.meta', 'Postgres meta through Kong (service key)', 'meta', '/pg/health', (s) => ({
      apikey: s.serviceRoleKey,
    })),
    probe('api.studio', 'Studio through Kong', 'studio', '/api/platform/profile', (s) => ({
      authorization: `Basic ${Buffer.from(`${s.dashboardUsername}:${s.dashboardPassword}`).toString('base64')}`,
    })),
    {
      id: 'api.keys',
      title: 'API keys accepted by Kong',
      service: 'kong',
      run: async (signal): Promise<CheckOutcome> => {
        const secrets = await secretsP;
        const get = (apikey: string) =>
          deps.http(`${base}/rest/v1/`, { headers: { apikey }, signal }).then((r) => r.status);
        try {
          const [service, bogus] = await Promise.all([
            get(secrets.serviceRoleKey),
            get('not-a-key'),
          ]);
          if (service < 200 || service >= 300) {
            return {
              status: 'fail',
              evidence: `Kong answered ${service} to the service_role key.`,
              fix: 'Kong’s keys differ from the instance’s: run a repair (re-renders kong.yml and .env).',
            };
          }
          if (bogus !== 401 && bogus !== 403) {
            return {
              status: 'fail',
              evidence: `Kong answered ${bogus} to a made-up key: the API is not protected.`,
              fix: 'Run a repair to restore kong.yml.',
            };
          }
          return {
            status: 'ok',
            evidence: `service_role key → ${service}; a made-up key → ${bogus}.`,
          };
        } catch (err) {
          return { status: 'fail', evidence: `Kong does not answer: ${message(err)}` };
        }
      },
    },
  ];
}

function keysSpec(secretsP: Promise<InstanceSecrets>, deps: DiagnoseDeps): CheckSpec {
  return {
    id: 'keys.jwt',
    title: 'API keys signed with the JWT secret',
    run: async (): Promise<CheckOutcome> => {
      const secrets = await secretsP;
      const problems: string[] = [];
      for (const [name, token, role] of [
        ['anon', secrets.anonKey, 'anon'],
        ['service_role', secrets.serviceRoleKey, 'service_role'],
      ] as const) {
        const v = verifyJwt(token, secrets.jwtSecret, { now: deps.now });
        if (!v.ok) problems.push(`${name} key: ${v.reason}`);
        else if (v.claims.role !== role)
          problems.push(`${name} key carries role ${String(v.claims.role)}`);
      }
      if (problems.length > 0) {
        return {
          status: 'fail',
          evidence: problems.join('; '),
          fix: 'The keys no longer match the JWT secret: issue new keys for this instance.',
        };
      }
      return {
        status: 'ok',
        evidence: 'anon and service_role keys verify (HS256, roles right, not expired).',
      };
    },
  };
}

function postgresSpecs(
  instance: Instance,
  secretsP: Promise<InstanceSecrets>,
  networkP: Promise<NetworkFacts>,
  deps: DiagnoseDeps,
): CheckSpec[] {
  const login = (
    id: string,
    title: string,
    service: string,
    target: (s: InstanceSecrets) => Promise<{ host: string; port: number; user: string }>,
    fix: string,
  ): CheckSpec => ({
    id,
    title,
    service,
    run: async (signal): Promise<CheckOutcome> => {
      const secrets = await secretsP;
      let where = '';
      try {
        const t = await target(secrets);
        where = `${t.user}@${t.host}:${t.port}`;
        const [result] = await deps.pgQuery(
          { ...t, password: secrets.postgresPassword, database: 'postgres' },
          ['SELECT 1'],
          { timeoutMs: deps.checkTimeoutMs, signal },
        );
        const value = result?.rows[0]?.[0];
        if (value !== '1')
          return { status: 'fail', evidence: `SELECT 1 returned ${String(value)}`, fix };
        return { status: 'ok', evidence: `SELECT 1 as ${where} with the instance password.` };
      } catch (err) {
        return { status: 'fail', evidence: `${where || 'connect'}: ${message(err)}`, fix };
      }
    },
  });
  const pooler = (port: number) => async (s: InstanceSecrets) => ({
    host: '127.0.0.1',
    port,
    user: `postgres.${s.poolerTenantId}`,
  });
  return [
    login(
      'postgres.direct',
      'Postgres (direct, on the instance network)',
      'db',
      async () => {
        const db = (await networkP).containers.find((c) => c.service === 'db');
        if (!db?.ip) throw new Error('the db container has no address on the instance network');
        return { host: db.ip, port: 5432, user: 'postgres' };
      },
      'Check the "db" container above and its logs.',
    ),
    login(
      'postgres.session',
      'Postgres through the pooler (session mode)',
      'supavisor',
      pooler(instance.ports.postgres),
      'Check the "supavisor" and "db" containers above; a repair restarts what is down.',
    ),
    login(
      'postgres.transaction',
      'Postgres through the pooler (transaction mode)',
      'supavisor',
      pooler(instance.ports.poolerTransaction),
      'Check the "supavisor" and "db" containers above; a repair restarts what is down.',
    ),
  ];
}

function directSpecs(networkP: Promise<NetworkFacts>, deps: DiagnoseDeps): CheckSpec[] {
  const expected = new Set(deps.expectedServices);
  return STACK_SERVICES.filter((s) => s.probe && expected.has(s.name)).map((s) => ({
    id: `direct.${s.name}`,
    title: `${s.title} (direct)`,
    service: s.name,
    run: async (signal): Promise<CheckOutcome> => {
      const c = (await networkP).containers.find((x) => x.service === s.name);
      if (!c?.ip) {
        return {
          status: 'fail',
          evidence: 'No address on the instance network (container missing, stopped or detached).',
          fix: 'Run a repair.',
        };
      }
      const url = `http://${c.ip}:${s.probe!.port}${s.probe!.path}`;
      try {
        const res = await deps.http(url, { signal });
        // Any HTTP answer means the process is up; a 5xx says it is up but unwell.
        if (res.status >= 500) {
          return {
            status: 'warn',
            evidence: `${s.probe!.path} → ${res.status} ${snippet(res.body)}`,
            fix: 'Read this service’s logs.',
          };
        }
        return { status: 'ok', evidence: `${s.probe!.path} → ${res.status}` };
      } catch (err) {
        return {
          status: 'fail',
          evidence: `${url}: ${message(err)}`,
          fix: 'The process does not answer: a repair restarts it.',
        };
      }
    },
  }));
}

function hostSpec(
  id: string,
  title: string,
  deps: DiagnoseDeps,
  judge: (h: Awaited<ReturnType<DiagnoseDeps['readHost']>>) => CheckOutcome,
): CheckSpec {
  return { id, title, run: async () => judge(await deps.readHost()) };
}

function orphansSpec(deps: DiagnoseDeps): CheckSpec {
  return {
    id: 'host.orphans',
    title: 'Leftovers of deleted instances',
    run: async (): Promise<CheckOutcome> => {
      const orphans = await deps.findOrphans();
      if (orphans.length === 0) return { status: 'ok', evidence: 'None.' };
      const list = orphans.map(
        (o) => `${o.project} (${o.containers.length} containers, ${o.networks.length} networks)`,
      );
      return {
        status: 'warn',
        evidence: `Containers of instances the registry no longer has: ${list.join(', ')}.`,
        fix: 'Run a repair: it removes them (their data volumes are kept).',
      };
    },
  };
}

async function logSpecs(
  networkP: Promise<NetworkFacts>,
  secretsP: Promise<InstanceSecrets>,
  deps: DiagnoseDeps,
): Promise<CheckSpec[]> {
  const facts = await networkP.catch(() => undefined);
  if (!facts) return [];
  return facts.containers.map((c) => ({
    id: `logs.${c.service}`,
    title: `${titleOf(c.service)} log`,
    service: c.service,
    run: async (signal) => {
      const secrets = await secretsP.catch(() => undefined);
      const lines = await readLogTail(deps.engine, c, deps.logTail, signal);
      return judgeLogLines(lines, secrets ? secretValues(secrets) : []);
    },
  }));
}

function titleOf(service: string): string {
  return STACK_SERVICES.find((s) => s.name === service)?.title ?? service;
}

function snippet(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function message(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return 'cancelled at the deadline';
  return e instanceof Error ? e.message : String(err);
}
