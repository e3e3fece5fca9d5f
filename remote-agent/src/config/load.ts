import { readFileSync } from 'node:fs';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import { networkPoolProblem } from '../network/pool-check';
import {
  ConfigFileSchema,
  DEFAULT_CONFIG,
  PORT_KINDS,
  type AgentConfig,
  type ConfigFile,
} from './schema';

/** Stops the agent at start: the message names the key and says what was expected. */
export function configError(key: string, problem: string, source: string): AgentError {
  return new AgentError(ErrorCode.CONFIG_INVALID, `${source}: "${key}" ${problem}`, { key });
}

/**
 * The file (absent = defaults) with the seed's environment variables on top. Env names and
 * meanings follow the seed: MAX_INSTANCES, VPS_HOST / MANAGER_EXTERNAL_IP (the address put in
 * URLs; the second wins, as in the seed where it held the public domain), ENABLE_AUTO_REPAIR,
 * DIAGNOSTIC_INTERVAL (milliseconds).
 */
export function loadConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  options: { required?: boolean } = {},
): AgentConfig {
  let fromFile: ConfigFile = {};
  if (file) {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || options.required) {
        throw new AgentError(ErrorCode.CONFIG_INVALID, `Cannot read ${file}: ${code ?? error}.`, {
          key: '(file)',
        });
      }
    }
    if (text !== undefined) fromFile = parseConfigText(text, file);
  }
  return resolveConfig(fromFile, env, file ?? 'configuration');
}

export function parseConfigText(text: string, source: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AgentError(
      ErrorCode.CONFIG_INVALID,
      `${source} is not valid JSON (${(error as Error).message}).`,
      { key: '(file)' },
    );
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') || keyOfUnrecognized(issue) || '(root)';
    throw configError(key, `is invalid: ${issue?.message ?? 'unknown problem'}.`, source);
  }
  return parsed.data;
}

function keyOfUnrecognized(issue: { code: string; keys?: string[] } | undefined): string {
  return issue?.code === 'unrecognized_keys' ? (issue.keys?.join(', ') ?? '') : '';
}

export function resolveConfig(file: ConfigFile, env: NodeJS.ProcessEnv, source: string) {
  const config: AgentConfig = {
    ...DEFAULT_CONFIG,
    ...stripUndefined({
      maxInstances: file.maxInstances,
      externalHost: file.externalHost,
      creationConcurrency: file.creationConcurrency,
      diagnosticIntervalMs: file.diagnosticIntervalMs,
      autoRepair: file.autoRepair,
      socketGroup: file.socketGroup,
      releasesDir: file.releasesDir,
      upgradeConcurrency: file.upgradeConcurrency,
      upgradeHealthTimeoutMs: file.upgradeHealthTimeoutMs,
      healthcheckIntervalMs: file.healthcheckIntervalMs,
    }),
    portRanges: { ...DEFAULT_CONFIG.portRanges, ...stripUndefined(file.portRanges ?? {}) },
    resources: { ...DEFAULT_CONFIG.resources, ...stripUndefined(file.resources ?? {}) },
    images: { ...(file.images ?? {}) },
    limits: { ...DEFAULT_CONFIG.limits, ...stripUndefined(file.limits ?? {}) },
    audit: { ...DEFAULT_CONFIG.audit, ...stripUndefined(file.audit ?? {}) },
    networks: { ...DEFAULT_CONFIG.networks, ...stripUndefined(file.networks ?? {}) },
    capacity: { ...DEFAULT_CONFIG.capacity, ...stripUndefined(file.capacity ?? {}) },
    ...(file.proxy ? { proxy: file.proxy } : {}),
    ...(file.recovery ? { recovery: stripUndefined(file.recovery) } : {}),
    ...(file.disk ? { disk: stripUndefined(file.disk) } : {}),
  };

  if (env.MAX_INSTANCES !== undefined) {
    config.maxInstances = envInt(env.MAX_INSTANCES, 'MAX_INSTANCES', 1, 1000);
  }
  for (const name of ['VPS_HOST', 'MANAGER_EXTERNAL_IP'] as const) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(value)) {
      throw configError(name, 'must be a host name or an IP address.', 'environment');
    }
    config.externalHost = value;
  }
  if (env.ENABLE_AUTO_REPAIR !== undefined) {
    const v = env.ENABLE_AUTO_REPAIR.trim().toLowerCase();
    if (!['true', 'false', '1', '0', 'yes', 'no'].includes(v)) {
      throw configError('ENABLE_AUTO_REPAIR', 'must be true or false.', 'environment');
    }
    config.autoRepair = ['true', '1', 'yes'].includes(v);
  }
  if (env.DIAGNOSTIC_INTERVAL !== undefined) {
    config.diagnosticIntervalMs = envInt(
      env.DIAGNOSTIC_INTERVAL,
      'DIAGNOSTIC_INTERVAL',
      10_000,
      Number.MAX_SAFE_INTEGER,
    );
  }
  checkRangesDisjoint(config, source);
  checkNetworkPool(config.networks, source);
  return config;
}

function envInt(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw configError(name, `must be a whole number from ${min} to ${max}.`, 'environment');
  }
  return n;
}

/** Overlapping ranges are how the seed handed one port to two services. */
function checkRangesDisjoint(config: AgentConfig, source: string): void {
  for (let i = 0; i < PORT_KINDS.length; i++) {
    for (let j = i + 1; j < PORT_KINDS.length; j++) {
      const a = PORT_KINDS[i]!;
      const b = PORT_KINDS[j]!;
      const [alo, ahi] = config.portRanges[a];
      const [blo, bhi] = config.portRanges[b];
      if (alo <= bhi && blo <= ahi) {
        throw configError(
          `portRanges.${b}`,
          `(${blo}-${bhi}) overlaps portRanges.${a} (${alo}-${ahi}); ranges must not overlap.`,
          source,
        );
      }
    }
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkNetworkPool(networks: AgentConfig['networks'], source: string): void {
  const problem = networkPoolProblem(networks.pool, networks.subnetPrefix);
  if (problem) throw configError('networks.pool', problem, source);
}
