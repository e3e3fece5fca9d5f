/** Domain types shared by the agent and the desktop. Plain data only: everything is JSON. */
import type { BulkItem, BulkJobSummary } from './bulk';
import type { BackupProgress, BackupStatus } from './backups';

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
  /** `https://<API domain>` while the project has one (domains/): the stack's public URL. */
  publicUrl?: string;
  /**
   * Postgres over the internet, TLS only, with the certificate of this domain of the project,
   * published on these server addresses (domains/database-access.ts); absent: the pooler keeps
   * the Postgres port on its usual binding.
   */
  databaseTls?: { hostname: string; addresses: string[] };
  /** The compose project name: ub_<id>. */
  project: string;
  services?: ServiceState[];
  error?: InstanceFailure;
  /** Set by the scheduler when auto-repair gave up: a person must look. */
  needsAttention?: boolean;
  /** The newest restore drill's outcome (backups/service.ts); a failed one needs a person too. */
  backupStatus?: BackupStatus;
  /**
   * The project network's IPv4 subnet, allocated by the agent (network/allocator.ts). Absent on
   * projects created before: their network keeps the engine's choice.
   */
  subnet?: string;
  /** Memory and CPU limits of every service (sizing/profiles.ts). Absent: no limits (older projects). */
  size?: ProjectSize;
  /** Which optional services the project runs; absent keys take OPTIONAL_SERVICE_DEFAULTS. */
  optionalServices?: OptionalServices;
  /**
   * The project's non-secret settings (`auth.siteUrl`, `smtp.host`, `env.auth.NAME`…): only the
   * keys someone changed. Rendering takes them as input, so repair and upgrades keep them.
   */
  settings?: Record<string, SettingValue>;
  /** The stack release it runs (`stack.releases`); absent on projects older than releases. */
  release?: string;
  /** Labels the team set (`cliente:acme`, `env:staging`), normalised and sorted (protocol/tags.ts). */
  tags?: string[];
  /**
   * What the agent's start-up recovery did with an operation the agent was cut off in (a crash,
   * a kill, a power cut): finished it or put the project back. Cleared when the next long
   * operation on the project ends normally (remote-agent/src/operations).
   */
  lastOperation?: InterruptedOperation;
}

/** The long operations the agent journals step by step (remote-agent/src/operations). */
export type OperationKind = 'create' | 'delete' | 'apply' | 'upgrade' | 'backup' | 'restore';

export interface InterruptedOperation {
  kind: OperationKind;
  /** completed: finished on restart; rolled-back: put back as before; failed: neither worked. */
  outcome: 'completed' | 'rolled-back' | 'failed';
  /** The step the operation had reached when the agent stopped. */
  step: string;
  /** When the recovery happened. */
  at: string;
  message: string;
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
  | 'rollback'
  /** Upgrades: the backup taken before anything changes. */
  | 'backup';

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

/** Where the agent reads a container's log: its json-file on disk, or the Engine API. */
export type LogSource = 'file' | 'engine';

/** One json-file record as Docker wrote it (`log` keeps its final newline). */
export interface LogRecord {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/**
 * A `logs.follow` batch when the client asked for `format: "records"`: one service's records
 * straight from its json-file (sent as read, not re-encoded), or parsed lines with the path
 * they came by.
 */
export type LogBatch =
  | { source: 'file'; service: string; records: LogRecord[] }
  | { source: LogSource; lines: LogLine[] };

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
  | { type: 'instance.applying'; event: ApplyProgress }
  /** A bulk job moved: `item` is the one that changed; none when the job began or finished. */
  | { type: 'bulk.progress'; job: BulkJobSummary; item?: BulkItem }
  | { type: 'domain.certificateExpiring'; instanceId: string; domain: DomainView }
  | { type: 'backup.progress'; event: BackupProgress }
  /** The agent is bringing projects back after a reboot or an engine restart (startup/). */
  | { type: 'agent.recovery'; event: RecoveryProgress };

/** Where a custom domain sends its traffic (remote-agent/src/domains). */
export type DomainTarget = 'api' | 'studio' | 'both';

/** A record the owner of the name must create so it resolves to the server. */
export interface DnsRecord {
  type: 'A' | 'AAAA';
  name: string;
  value: string;
}

export interface CertificateStatus {
  /** pending: no certificate yet, no error; failed: the last order failed and none is held. */
  state: 'pending' | 'active' | 'expiring' | 'expired' | 'failed';
  issuer?: string;
  /** The held certificate's notBefore: when it was last issued or renewed. */
  renewedAt?: string;
  expiresAt?: string;
  /** The last issuance error Caddy logged for this name (rate limit, DNS, challenge). */
  lastError?: { at: string; message: string };
}

export interface DomainView {
  hostname: string;
  target: DomainTarget;
  hsts: boolean;
  /** CIDR ranges allowed to reach Studio; empty: everyone (Studio keeps its basic auth). */
  studioAllowIps: string[];
  addedAt: string;
  addedBy: string;
  /** The records that make the name resolve to this server (for the DNS instruction). */
  records: DnsRecord[];
  certificate: CertificateStatus;
}

/** `domains.database.get|set`: whether Postgres answers from the internet (TLS only). */
export interface DatabaseAccessView {
  enabled: boolean;
  /** The domain whose certificate Postgres presents (clients connect to this name). */
  hostname?: string;
  port: number;
  /** The connection URI without the password (`sslmode=verify-full`), while enabled. */
  uri?: string;
  certificate?: CertificateStatus;
}

/** A domain of some project of the server, for the server page's certificate list. */
export interface ServerDomainView {
  instanceId: string;
  instanceName: string;
  domain: DomainView;
}

/** A project setting's value: see remote-agent/src/settings/keys.ts for every key. */
export type SettingValue = string | number | boolean | string[];

/** `instances.settings.get`: values (defaults filled in) and which secret keys hold a value. */
export interface InstanceSettingsView {
  values: Record<string, SettingValue>;
  /** Secret keys (e.g. `smtp.password`) that hold a value; the values never leave the agent. */
  secretsSet: string[];
}

/** What applying a stack change does: which keys change, which files and services it touches. */
export interface StackChangePlan {
  /** Setting keys (or facts such as `secrets.jwt`) whose value changes. Never values. */
  keys: string[];
  files: string[];
  /** Services recreated, in compose order; the others keep their containers. */
  services: string[];
}

/** One step of applying a stack change, pushed as `instance.applying`. */
export interface ApplyProgress {
  instanceId: string;
  at: string;
  step: 'files' | 'database' | 'recreate' | 'health' | 'rollback' | 'done';
  status: 'started' | 'done' | 'failed';
  services?: string[];
  error?: { code: string; message: string };
}

export type SecretRotation = 'jwt' | 'db-password' | 'dashboard-password';

/** A stack release as the app shows it (`stack.releases`): a named, dated set of images. */
export interface StackReleaseSummary {
  id: string;
  /** YYYY-MM-DD; the newest date is the newest release. */
  date: string;
  notes: string[];
  /** Service → image the release pins (before the agent's `images` overrides). */
  images: Record<string, string>;
  postgresMajor: number;
  /** Known issues of earlier releases that this one fixes. */
  advisories: StackAdvisory[];
}

export interface StackAdvisory {
  id: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  summary: string;
  /** Release ids with the issue. */
  affects: string[];
  url?: string;
}

/** What upgrading a project to a release changes (`instances.upgradePlan`). */
export interface UpgradePlan {
  instanceId: string;
  from: string;
  to: string;
  /** Already on `to`: nothing to do. */
  upToDate: boolean;
  /** Services whose image changes, with the images as this server runs them. */
  images: Array<{ service: string; from: string; to: string }>;
  /** Stack files (relative paths) whose content changes. */
  files: string[];
  /** The database image changes: it is recreated first, and a backup is needed to roll back. */
  databaseChanges: boolean;
  notes: string[];
  /** Advisory ids against `from` that `to` fixes. */
  fixes: string[];
}

/** A Postgres major upgrade (dump, new data directory, restore): its own explicit operation. */
export interface PostgresUpgradePlan extends UpgradePlan {
  fromMajor: number;
  toMajor: number;
}

/** Resource profiles: each sets a memory limit and a CPU limit per service (docs/capacity.md). */
export const SIZE_PROFILES = ['small', 'medium', 'large', 'custom'] as const;
export type SizeProfile = (typeof SIZE_PROFILES)[number];

/** A project's size; `custom` says the project's total memory and each service's CPU cap. */
export interface ProjectSize {
  profile: SizeProfile;
  /** custom only: memory for the whole project, split over its services like `medium`. */
  memoryMb?: number;
  /** custom only: the most CPU cores any one service may use. */
  cpus?: number;
}

/** Services a project may go without; the logs pair is Analytics + Vector. */
export const OPTIONAL_SERVICES = ['functions', 'realtime', 'imgproxy', 'studio', 'logs'] as const;
export type OptionalService = (typeof OPTIONAL_SERVICES)[number];
export type OptionalServices = Partial<Record<OptionalService, boolean>>;

/** What a project without a choice runs: everything but the logs pair (upstream's default). */
export const OPTIONAL_SERVICE_DEFAULTS: Readonly<Record<OptionalService, boolean>> = {
  functions: true,
  realtime: true,
  imgproxy: true,
  studio: true,
  logs: false,
};

/**
 * One usage sample of a project (`usage.history`): CPU and network averaged over the interval
 * before `at` (ms epoch), memory as read at `at`; `diskMb`: the project's folder (database and
 * Storage data included) as last walked, hourly; 0 until the first walk.
 */
export interface UsageSample {
  at: number;
  cpuPercent: number;
  memoryMb: number;
  netRxKb: number;
  netTxKb: number;
  diskMb: number;
}

/** `system.capacity`: what the server holds and how much more fits (sizing/capacity.ts). */
export interface ServerCapacity {
  memoryTotalMb: number;
  overcommit: number;
  memoryAllowedMb: number;
  memoryCommittedMb: number;
  memoryFreeMb: number;
  /** Projects that count (not dry runs or failed creations), per size; `none` = from before sizes. */
  projectsBySize: Record<SizeProfile | 'none', number>;
  /** How many more projects of each size (default services) fit in the memory left. */
  fits: Record<'small' | 'medium' | 'large', number>;
  networks: { pool: string; subnetPrefix: number; used: number; capacity: number };
  /** Per port range: how many ports are left for new projects. */
  portsLeft: Record<string, number>;
  /**
   * Disk per project the caller sees (its folder: database and Storage data included), largest
   * first, as the usage sampler last walked it (hourly); absent from older agents.
   */
  disk?: { id: string; name: string; diskMb: number }[];
}

/** Why the agent is bringing projects back (remote-agent/src/startup/). */
export type RecoveryReason = 'agent-start' | 'engine-restart';

/**
 * One step of bringing projects back: `settling` while Docker's own restart policies work,
 * then every database, then every stack, at most N projects at once; `done` at the end.
 * `total` counts only the projects still down after Docker's own pass.
 */
export interface RecoveryProgress {
  reason: RecoveryReason;
  phase: 'settling' | 'databases' | 'services' | 'done';
  total: number;
  done: number;
  failed: number;
  /** Databases started so far (the `databases` phase counts these, `done` counts whole stacks). */
  databases?: number;
  /**
   * Projects still to come back, by id (filtered to what the subscriber may see): the desktop
   * marks their cards as waiting. Absent while settling, empty when done.
   */
  waiting?: string[];
  at: string;
  /** The project that just moved, and what became of it. */
  instanceId?: string;
  outcome?: 'up' | 'failed' | 'skipped';
  message?: string;
}
