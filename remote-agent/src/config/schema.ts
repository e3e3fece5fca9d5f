import { z } from 'zod';
import { ProxyConfigSchema, type ProxyConfig } from '../proxy/settings';

/** The four published host ports of an instance, each from its own range. */
export const PORT_KINDS = ['kongHttp', 'kongHttps', 'postgres', 'poolerTransaction'] as const;
export type PortKind = (typeof PORT_KINDS)[number];
export type PortRange = readonly [number, number];

export interface AgentConfig {
  maxInstances: number;
  /** Host name or address used in URLs of public instances; detected when absent. */
  externalHost?: string;
  creationConcurrency: number;
  portRanges: Record<PortKind, PortRange>;
  resources: { minFreeMemoryMb: number; minFreeDiskMb: number; maxLoadPerCore: number };
  diagnosticIntervalMs: number;
  autoRepair: boolean;
  /** Official image name without tag → image to use instead. */
  images: Record<string, string>;
  limits: AgentLimits;
  audit: AuditLimits;
  /**
   * Group given the socket (mode 0660) after listen: its members may connect. Absent: the
   * `ultrabase` group when it exists and the agent runs as root, else the agent's own group.
   */
  socketGroup?: string;
  /** The reverse proxy of custom domains: ACME directory, its CA, the DNS check. */
  proxy?: ProxyConfig;
  /** A directory of extra stack releases (`<id>.json`, remote-agent/src/stack/releases/). */
  releasesDir?: string;
  /** Upgrades running at once on this server; more wait their turn (default 2). */
  upgradeConcurrency?: number;
  /** How long an upgraded release may take to turn healthy before it is rolled back. */
  upgradeHealthTimeoutMs?: number;
  /** Where project networks get their subnets (network/allocator.ts). */
  networks: NetworkConfig;
  /** Memory accounting of project sizes (sizing/capacity.ts). */
  capacity: { memoryOvercommit: number };
  /** Bringing projects back after a reboot or a dockerd restart (startup/); defaults there. */
  recovery?: RecoveryConfig;
  /** Free space an operation needs on the data directory's disk (disk/); defaults there. */
  disk?: DiskConfig;
  /**
   * How often Docker probes each service's health; absent: the kit's own timings. Retries grow
   * to match, so a service is given as long as in the kit before it counts as unhealthy.
   */
  healthcheckIntervalMs?: number;
}

export interface RecoveryConfig {
  /** Time Docker's own restart policies get before the agent starts what is still down. */
  settleMs?: number;
  /** Projects the agent brings back at once. */
  concurrency?: number;
}

export interface DiskConfig {
  /** Below this (MB free), a backup is refused before it starts. */
  backupMinFreeMb?: number;
  /** Below this (MB free), a settings apply is refused before it starts. */
  applyMinFreeMb?: number;
  /** Kept free by a restore, beyond twice the backup's size (default: backupMinFreeMb). */
  restoreMinFreeMb?: number;
  /** Below this (MB free), an upgrade is refused (a Postgres major one also needs the data's size). */
  upgradeMinFreeMb?: number;
}

export interface NetworkConfig {
  /** A private IPv4 range, outside the engine's default pools. */
  pool: string;
  /** Prefix length of each project's subnet. */
  subnetPrefix: number;
}

/** What anyone who can open the socket may cost the agent, before and after login. */
export interface AgentLimits {
  maxConnections: number;
  maxUnauthenticatedConnections: number;
  maxPendingRequests: number;
  maxBufferedBytes: number;
  maxStreams: number;
  loginDeadlineMs: number;
  idleBeforeLoginMs: number;
  maxConcurrentPasswordChecks: number;
  maxQueuedPasswordChecks: number;
  maxPendingLoginsPerConnection: number;
  loginWindowMs: number;
  maxFailedLoginsPerConnection: number;
  maxFailedLoginsPerUser: number;
  maxFailedLoginsTotal: number;
  loginSlowLaneMs: number;
}

export interface AuditLimits {
  maxBytes: number;
  keepFiles: number;
  refusedSummaryMs: number;
}

/** DESIGN.md defaults: ranges that do not overlap, unlike the seed's. */
export const DEFAULT_CONFIG: AgentConfig = {
  maxInstances: 10,
  creationConcurrency: 1,
  portRanges: {
    kongHttp: [8000, 8399],
    kongHttps: [8400, 8799],
    postgres: [5400, 5799],
    poolerTransaction: [6400, 6799],
  },
  resources: { minFreeMemoryMb: 1024, minFreeDiskMb: 2048, maxLoadPerCore: 2 },
  diagnosticIntervalMs: 300_000,
  autoRepair: true,
  images: {},
  limits: {
    maxConnections: 256,
    maxUnauthenticatedConnections: 32,
    maxPendingRequests: 32,
    maxBufferedBytes: 8 * 1024 * 1024,
    maxStreams: 16,
    loginDeadlineMs: 120_000,
    idleBeforeLoginMs: 60_000,
    maxConcurrentPasswordChecks: 1,
    maxQueuedPasswordChecks: 16,
    maxPendingLoginsPerConnection: 1,
    loginWindowMs: 15 * 60_000,
    maxFailedLoginsPerConnection: 5,
    maxFailedLoginsPerUser: 20,
    maxFailedLoginsTotal: 200,
    loginSlowLaneMs: 30_000,
  },
  audit: { maxBytes: 8 * 1024 * 1024, keepFiles: 4, refusedSummaryMs: 60_000 },
  // 2,048 subnets of 32 addresses: a project has at most 13 containers.
  networks: { pool: '10.231.0.0/16', subnetPrefix: 27 },
  // Limits are ceilings and idle projects use well under half of them: the limits may add up
  // to twice physical memory (docs/capacity.md).
  capacity: { memoryOvercommit: 2 },
};

const count = (max: number) => z.number().int().min(1).max(max).optional();
const ms = (min: number) => z.number().int().min(min).max(86_400_000).optional();

const port = z.number().int().min(1).max(65535);
const range = z
  .tuple([port, port])
  .refine(([lo, hi]) => lo <= hi, 'the first port must not be above the second');

/** The file's shape: every key optional, unknown keys refused (a typo must not pass silently). */
export const ConfigFileSchema = z
  .object({
    maxInstances: z.number().int().min(1).max(1000).optional(),
    externalHost: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:-]+$/, 'a host name or IP')
      .optional(),
    creationConcurrency: z.number().int().min(1).max(16).optional(),
    portRanges: z
      .object({
        kongHttp: range.optional(),
        kongHttps: range.optional(),
        postgres: range.optional(),
        poolerTransaction: range.optional(),
      })
      .strict()
      .optional(),
    resources: z
      .object({
        minFreeMemoryMb: z.number().int().min(0).optional(),
        minFreeDiskMb: z.number().int().min(0).optional(),
        maxLoadPerCore: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    diagnosticIntervalMs: z.number().int().min(10_000).optional(),
    autoRepair: z.boolean().optional(),
    limits: z
      .object({
        maxConnections: count(100_000),
        maxUnauthenticatedConnections: count(100_000),
        maxPendingRequests: count(10_000),
        maxBufferedBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .max(1024 * 1024 * 1024)
          .optional(),
        maxStreams: count(10_000),
        loginDeadlineMs: ms(1000),
        idleBeforeLoginMs: ms(1000),
        maxConcurrentPasswordChecks: count(64),
        maxQueuedPasswordChecks: z.number().int().min(0).max(10_000).optional(),
        maxPendingLoginsPerConnection: count(64),
        loginWindowMs: ms(1000),
        maxFailedLoginsPerConnection: count(1000),
        maxFailedLoginsPerUser: count(100_000),
        maxFailedLoginsTotal: count(1_000_000),
        loginSlowLaneMs: ms(100),
      })
      .strict()
      .optional(),
    audit: z
      .object({
        maxBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .optional(),
        keepFiles: count(1000),
        refusedSummaryMs: ms(1000),
      })
      .strict()
      .optional(),
    socketGroup: z
      .string()
      .regex(/^([a-z_][a-z0-9_.-]{0,31}|\d{1,10})$/, 'a group name or number')
      .optional(),
    releasesDir: z.string().min(1).max(4096).regex(/^\//, 'an absolute path').optional(),
    upgradeConcurrency: z.number().int().min(1).max(16).optional(),
    upgradeHealthTimeoutMs: ms(1000),
    networks: z
      .object({
        pool: z
          .string()
          .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 range like 10.231.0.0/16')
          .optional(),
        subnetPrefix: z.number().int().min(16).max(28).optional(),
      })
      .strict()
      .optional(),
    capacity: z
      .object({ memoryOvercommit: z.number().min(0.1).max(100).optional() })
      .strict()
      .optional(),
    images: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9._/-]*$/, 'an image name without tag'),
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'an image reference'),
      )
      .optional(),
    proxy: ProxyConfigSchema.optional(),
    recovery: z
      .object({ settleMs: z.number().int().min(0).max(600_000).optional(), concurrency: count(64) })
      .strict()
      .optional(),
    disk: z
      .object({
        backupMinFreeMb: z.number().int().min(0).optional(),
        applyMinFreeMb: z.number().int().min(0).optional(),
        restoreMinFreeMb: z.number().int().min(0).optional(),
        upgradeMinFreeMb: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    // Whole seconds: Docker takes finer intervals, but sub-second probes only add load.
    healthcheckIntervalMs: z
      .number()
      .int()
      .min(1000)
      .max(60_000)
      .multipleOf(1000, 'whole seconds (a multiple of 1000)')
      .optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof ConfigFileSchema>;
