/** Domain types shared by the agent and the desktop. Plain data only: everything is JSON. */
import type { BackupProgress } from './backups';

export type Role = 'admin' | 'user';

export interface UserPublic {
  username: string;
  role: Role;
  disabled: boolean;
  /** Instance ids this user may see and operate besides the ones they own. */
  grants: string[];
  createdAt: string;
}

/** A staff member's own Linux login on the server, whose key may only run the agent's `dial`. */
export interface StaffMember {
  username: string;
  uid: number;
  /** 'SHA256:…' of the public key, as `ssh-keygen -l` prints it. */
  keyFingerprint: string;
  keyType: string;
  createdAt: string;
  /** False when the agent user is gone but the Linux account is not yet (retry staff.remove). */
  agentUser: boolean;
}

export type Exposure = 'private' | 'public';

/**
 * Lifecycle: created (dry run: files only) → queued → creating → running ⇄ degraded;
 * running/degraded → stopped; any → failed; deleting while removal runs.
 */
export type InstanceStatus =
  | 'created'
  | 'queued'
  | 'creating'
  | 'running'
  | 'degraded'
  | 'stopping'
  | 'stopped'
  | 'starting'
  | 'restarting'
  | 'failed'
  | 'deleting';

export interface InstancePorts {
  kongHttp: number;
  kongHttps: number;
  /** Postgres through the pooler's session mode (the kit publishes supavisor's 5432 here). */
  postgres: number;
  poolerTransaction: number;
}

export interface InstanceUrls {
  studio: string;
  api: string;
  /** postgres:// URL without the password. */
  database: string;
}

export interface ServiceState {
  service: string;
  /** Docker container state: running, exited, restarting, created, paused, dead, missing. */
  state: string;
  health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  restarts: number;
  exitCode?: number;
  oomKilled?: boolean;
}

export interface InstanceFailure {
  code: string;
  reason: string;
  /** Which service failed, when one did. */
  service?: string;
  /** The last log lines of the failing service. */
  logs?: string[];
  at: string;
}

export interface Instance {
  id: string;
  name: string;
  owner: string;
  status: InstanceStatus;
  createdAt: string;
  updatedAt: string;
  exposure: Exposure;
  ports: InstancePorts;
  urls: InstanceUrls;
  /** The compose project name: ub_<id>. */
  project: string;
  services?: ServiceState[];
  error?: InstanceFailure;
  /** Set by the scheduler when auto-repair gave up: a person must look. */
  needsAttention?: boolean;
}

export interface InstanceCredentials {
  postgresPassword: string;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  dashboardUsername: string;
  dashboardPassword: string;
  /** Full connection strings with the password, for copy. */
  databaseUrl: string;
  poolerTransactionUrl: string;
}

/** Creation progress, streamed as events and replayable by `instances.progress`. */
export type CreationStep =
  | 'queued'
  | 'validate'
  | 'resources'
  | 'docker'
  | 'ports'
  | 'credentials'
  | 'files'
  | 'pull'
  | 'start'
  | 'health'
  | 'done'
  | 'rollback';

export interface ProgressEvent {
  instanceId: string;
  seq: number;
  at: string;
  step: CreationStep;
  status: 'started' | 'progress' | 'done' | 'failed' | 'retry';
  message?: string;
  queuePosition?: number;
  /** Image pulls: one entry per image. */
  image?: string;
  percent?: number;
  /** Health: one entry per service as it turns healthy. */
  service?: string;
  health?: ServiceState['health'];
  attempt?: number;
  error?: { code: string; message: string };
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DiagnosticCheck {
  id: string;
  title: string;
  status: CheckStatus;
  evidence: string;
  fix?: string;
  service?: string;
  durationMs?: number;
}

export interface DiagnosticReport {
  instanceId: string;
  at: string;
  status: CheckStatus;
  checks: DiagnosticCheck[];
  durationMs: number;
}

export interface RepairAction {
  kind:
    | 'restart-container'
    | 'rerender-file'
    | 'recreate-network'
    | 'remove-orphan-container'
    | 'remove-orphan-network'
    | 'start-stack';
  target: string;
  reason: string;
  done?: boolean;
  error?: string;
}

export interface RepairResult {
  instanceId: string;
  dryRun: boolean;
  actions: RepairAction[];
  /** Diagnosis after the repair (absent on dry run). */
  after?: DiagnosticReport;
}

export interface ServiceStats {
  service: string;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
}

export interface SystemResources {
  cpus: number;
  load1: number;
  memoryTotalMb: number;
  memoryAvailableMb: number;
  diskTotalMb: number;
  diskFreeMb: number;
  instances: number;
  maxInstances: number;
  /** How many more instances fit under the agent's thresholds and limit. */
  fitsMore: number;
  thresholds: { minFreeMemoryMb: number; minFreeDiskMb: number; maxLoadPerCore: number };
  agentVersion: string;
  dockerVersion?: string;
  composeVersion?: string;
}

export interface LogLine {
  service: string;
  stream: 'stdout' | 'stderr';
  /** RFC 3339 timestamp from Docker. */
  time: string;
  text: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target?: string;
  result: 'ok' | 'error';
  code?: string;
  detail?: Record<string, unknown>;
}

/** Pushed on `events.subscribe` streams. */
export type AgentEvent =
  | { type: 'instance.changed'; instance: Instance }
  | { type: 'instance.deleted'; instanceId: string }
  | { type: 'instance.progress'; event: ProgressEvent }
  | { type: 'instance.diagnosed'; instanceId: string; report: DiagnosticReport; changed: boolean }
  | { type: 'instance.repaired'; instanceId: string; result: RepairResult; automatic: boolean }
  | { type: 'audit'; entry: AuditEntry }
  | { type: 'backup.progress'; event: BackupProgress };
