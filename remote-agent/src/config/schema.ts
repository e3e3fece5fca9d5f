import { z } from 'zod';

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
};

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
    images: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9._/-]*$/, 'an image name without tag'),
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'an image reference'),
      )
      .optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof ConfigFileSchema>;
