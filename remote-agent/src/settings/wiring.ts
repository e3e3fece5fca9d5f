import { pgQuery } from '@common/pg-client';
import type { Caller } from '../auth/service';
import { expectedStack } from '../diagnostics/expected-stack';
import type { DockerHost } from '../docker/host';
import type { InstanceFiles } from '../instances/files';
import type { StackSettings } from '../instances/stack-input';
import type { InstanceLocks } from '../instances/state';
import { applyStackChange, type ApplyDeps } from '../lifecycle/apply';
import { readServiceStates } from '../lifecycle/status';
import type { InstanceRegistry } from '../lifecycle/types';
import type { AgentEvent, Instance } from '@protocol/types';
import { dbPasswordRotation } from './db-password';
import { SettingsService } from './service';
import { sendTestEmail } from './test-email';
import type { OperationJournal } from '../operations/journal';

export interface SettingsWiring {
  registry: InstanceRegistry;
  files: InstanceFiles;
  docker: DockerHost;
  locks: InstanceLocks;
  /** The same render settings creation and repair use. */
  stack: StackSettings;
  emit(event: AgentEvent): void;
  see(caller: Caller, id: string): Instance;
  redact(value: string): void;
  healthTimeoutMs?: number;
  now(): Date;
  /** Refuses an apply up front when the data directory's disk is low (disk/). */
  checkDisk?(): Promise<void>;
  releaseDiskReserve?(): Promise<unknown>;
  /** Durable step record of applies (operations/journal.ts). */
  journal?: OperationJournal;
}

/** The apply path's real dependencies: what other stack changes (size, domain) reuse too. */
export function createApplyDeps(w: Omit<SettingsWiring, 'see' | 'redact'>): ApplyDeps {
  return {
    registry: w.registry,
    locks: w.locks,
    instanceDir: (id) => w.files.dir(id),
    readSecrets: (id) => w.files.readSecrets(id),
    writeSecrets: (id, secrets) => w.files.writeSecrets(id, secrets),
    render: (instance, secrets) => expectedStack(instance, secrets, w.stack),
    compose: () => w.docker.compose(),
    readStates: (project, services) => readServiceStates(w.docker.engine, project, services),
    emit: w.emit,
    healthTimeoutMs: w.healthTimeoutMs ?? 3 * 60_000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: w.now,
    ...(w.checkDisk ? { checkDisk: w.checkDisk } : {}),
    ...(w.releaseDiskReserve ? { releaseDiskReserve: w.releaseDiskReserve } : {}),
    journal: w.journal,
  };
}

export function createSettingsService(w: SettingsWiring): SettingsService {
  const applyDeps = createApplyDeps(w);
  return new SettingsService({
    see: w.see,
    readSecrets: (id) => w.files.readSecrets(id),
    apply: (change) => applyStackChange(change, applyDeps),
    sendMail: sendTestEmail,
    onSecrets: (values) => values.forEach((v) => w.redact(v)),
    rotateDbPassword: dbPasswordRotation({
      engine: w.docker.engine,
      query: (target, queries) => pgQuery(target, queries),
    }),
  });
}
