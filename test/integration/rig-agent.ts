// What the rig tests share around an agent that runs real stacks on the rig's dockerd: the
// agent config they all run with, an in-process agent with a logged-in client, waiting on a
// project, and the docker CLI. One place, so a rig-wide setting (the healthcheck interval) is
// set once and every file's prelude reads the same.
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { Instance } from '@protocol/types';
import { pgQuery } from '@common/pg-client';
import type { InstanceSecrets } from '../../remote-agent/src/credentials/secrets';
import { DEFAULT_CONFIG, type AgentConfig } from '../../remote-agent/src/config/schema';
import { createAgent, type Agent, type CreateAgentOptions } from '../../remote-agent/src/server';
import { RpcClient } from './agent-harness';

/**
 * Docker probes the stand-in services every second instead of the kit's 5 s (10 s for the
 * pooler): a new container turns healthy up to 4 s sooner, at every level of `depends_on` and
 * on every start, restart and recreation. The time before unhealthy stays the kit's (the agent
 * scales the retries), so fault tests see the same timings; the default render is unchanged
 * (remote-agent/src/stack/render.test.ts). `UB_RIG_KIT_HEALTHCHECKS=1` runs the rig on the
 * kit's own timings instead, to compare or to rule the interval out.
 */
export const RIG_HEALTHCHECK_INTERVAL_MS: number | undefined = process.env.UB_RIG_KIT_HEALTHCHECKS
  ? undefined
  : 1000;

/** Seven engineers share two cores here: the refusal thresholds are not under test. */
export const RIG_RESOURCES = { minFreeMemoryMb: 0, minFreeDiskMb: 0, maxLoadPerCore: 1000 };

/** The agent config of a rig test: the defaults, the rig's settings, then the file's own. */
export function rigAgentConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    ...DEFAULT_CONFIG,
    resources: RIG_RESOURCES,
    healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
    ...overrides,
  };
}

/** The same rig settings as keys of an agent config file, for a test that starts the daemon. */
export function rigConfigFile(keys: Record<string, unknown>): string {
  return JSON.stringify({
    resources: RIG_RESOURCES,
    healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
    ...keys,
  });
}

/** Runs a program (never through a shell); rejects with its stderr. */
export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 300_000, env: options.env, cwd: options.cwd },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`))
          : resolve(stdout),
    ),
  );
}

export const docker = (...args: string[]) => run('docker', args);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the probe's first defined value; a probe that throws ends the wait. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  pollMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** A client on the agent's wire in this process, as the desktop would speak it. */
export function connectClient(agent: Agent): { client: RpcClient; close(): void } {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  agent.connect(toAgent, fromAgent);
  return {
    client: new RpcClient(fromAgent, toAgent),
    close: () => (toAgent.destroy(), fromAgent.destroy()),
  };
}

export const ADMIN = { username: 'admin', password: 'correct horse battery' };

/** The agent in this process with its first admin, and a client logged in as that admin. */
export async function startRigAgent(
  options: CreateAgentOptions,
): Promise<{ agent: Agent; client: RpcClient }> {
  const agent = await createAgent(options);
  await agent.auth.createUser(ADMIN.username, ADMIN.password, 'admin');
  const { client } = connectClient(agent);
  await client.login(ADMIN.username, ADMIN.password);
  return { agent, client };
}

/** The project once it runs; a creation that failed ends the wait with its error. */
export function waitRunning(client: RpcClient, id: string, timeoutMs = 600_000): Promise<Instance> {
  return waitFor(
    'the instance to run',
    async () => {
      const { instance } = await client.call<{ instance: Instance }>('instances.get', { id });
      if (instance.status === 'failed') {
        throw new Error(`creation failed: ${JSON.stringify(instance.error)}`);
      }
      return instance.status === 'running' ? instance : undefined;
    },
    timeoutMs,
  );
}

/** The id of the (first) container of a compose service of the project. */
export async function containerOf(project: string, service: string): Promise<string> {
  const out = await docker(
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  );
  const id = out.trim().split('\n')[0];
  if (!id) throw new Error(`no container for ${service}`);
  return id;
}

/** SQL on the project's Postgres through its pooler's published port, as a client outside would. */
export function projectSql(
  instance: Instance,
  secrets: InstanceSecrets,
  statements: string[],
  password = secrets.postgresPassword,
) {
  return pgQuery(
    {
      host: '127.0.0.1',
      port: instance.ports.postgres,
      user: `postgres.${secrets.poolerTenantId}`,
      password,
      database: 'postgres',
    },
    statements,
    { timeoutMs: 10_000 },
  );
}
