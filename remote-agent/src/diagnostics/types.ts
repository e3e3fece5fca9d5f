import type { InstanceSecrets } from '../credentials/secrets';
import type { DockerEngine } from '../docker/engine';
import type { Instance } from '@protocol/types';
import type { RenderedStack } from '../stack/render';
import type { HostReadings } from '../system/resources';
import type { HttpGet } from './http';
import type { PgQueryResult, PgTarget } from '@common/pg-client';
import type { OrphanProject } from './orphans';

/** Everything `diagnose` touches, as parameters: the real ones in the agent, fakes in unit tests. */
export interface DiagnoseDeps {
  engine: DockerEngine;
  instanceDir(instanceId: string): string;
  readSecrets(instanceId: string): Promise<InstanceSecrets>;
  /** The files the registry implies for this instance (the stack generator's rendering). */
  renderStack(instance: Instance, secrets: InstanceSecrets): RenderedStack;
  /** The services the stack should run (the compose file may be the thing that is missing). */
  expectedServices: readonly string[];
  readHost(): Promise<HostReadings>;
  thresholds: { minFreeMemoryMb: number; minFreeDiskMb: number };
  findOrphans(): Promise<OrphanProject[]>;
  http: HttpGet;
  pgQuery(
    target: PgTarget,
    statements: string[],
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<PgQueryResult[]>;
  /** Deadline of each check; the report is never slower than the slowest check's deadline. */
  checkTimeoutMs: number;
  /** How many log lines of each service are scanned for errors. */
  logTail: number;
  now(): Date;
}
