import { z } from 'zod';
import { AlertMethodParams, type AlertMethodResults } from './alerts';
import { DumpImportMethodParams, type DumpImportMethodResults } from './backups-import';
import { BULK_ACTIONS, BULK_MAX_ITEMS, type BulkJob, type BulkJobSummary } from './bulk';
import { TAGS_MAX } from './tags';
import type { BackupDownloadOpened, ProjectBackupSummary } from './backup-transfer';
import type {
  AuditEntry,
  DiagnosticReport,
  Instance,
  InstanceCredentials,
  InstanceSettingsView,
  ProgressEvent,
  RepairResult,
  StackReleaseSummary,
  ServerCapacity,
  ServiceStats,
  StackChangePlan,
  UsageSample,
  DomainView,
  DatabaseAccessView,
  ServerDomainView,
  StaffMember,
  SystemResources,
  UpgradePlan,
  UserPublic,
  PostgresUpgradePlan,
} from './types';
import { OPTIONAL_SERVICES, SIZE_PROFILES, type OptionalServices } from './types';
import {
  ACCOUNT_NAME_RE,
  INSTANCE_NAME_MAX,
  PASSWORD_MAX,
  PUBLIC_KEY_MAX,
  USERNAME_RE,
} from './validation';
import {
  backupScheduleInput,
  type BackupScheduleView,
  destinationInput,
  type BackupDestinationPublic,
  type BackupProgress,
  type BackupSummary,
} from './backups';

/**
 * Every method's params schema (validated by the agent at the boundary) and result type.
 * Names are the wire names. Params schemas are strict: unknown keys are refused.
 */
const id = z.string().regex(/^[a-z0-9]{6,32}$/, 'an instance id');
const username = z.string().regex(USERNAME_RE, 'a lowercase username (a-z, 0-9, _ . -)');
const password = z.string().min(1).max(PASSWORD_MAX);
const role = z.enum(['admin', 'user']);
const streamId = z.string().min(1).max(64);
/** A setting's value; the agent checks each key's own rules (settings/validate.ts). */
const settingValue = z.union([
  z.string().max(8192),
  z.number(),
  z.boolean(),
  z.array(z.string().max(2048)).max(200),
]);
const releaseId = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,40}$/, 'a stack release id');
// The agent checks the numbers of a custom size itself, to answer INVALID_PARAMS with a reason.
const projectSize = z
  .object({
    profile: z.enum(SIZE_PROFILES),
    memoryMb: z.number().optional(),
    cpus: z.number().optional(),
  })
  .strict();
const optionalServices = z
  .object(Object.fromEntries(OPTIONAL_SERVICES.map((s) => [s, z.boolean().optional()])))
  .strict() as z.ZodType<OptionalServices>;

export const MethodParams = {
  'session.hello': z.object({ protocol: z.number().int(), client: z.string().max(200) }).strict(),
  /**
   * Sent first by a staff member's forced `dial --as <name>`: the connection may then log in
   * or resume only as that name (see remote-agent/src/staff/connection-identity.ts).
   */
  'session.bind': z.object({ username }).strict(),
  'auth.login': z.object({ username: z.string().max(64), password }).strict(),
  'auth.resume': z.object({ token: z.string().max(200) }).strict(),
  'auth.logout': z.object({}).strict(),
  'auth.changePassword': z.object({ currentPassword: password, newPassword: password }).strict(),
  'auth.whoami': z.object({}).strict(),

  'users.list': z.object({}).strict(),
  'users.create': z.object({ username, password, role }).strict(),
  'users.update': z
    .object({
      username,
      role: role.optional(),
      password: password.optional(),
      disabled: z.boolean().optional(),
      /** Clears the name's failed-login record on every connection. */
      unlock: z.literal(true).optional(),
    })
    .strict(),
  'users.delete': z.object({ username }).strict(),
  'users.grant': z.object({ username, instanceId: id }).strict(),
  'users.revoke': z.object({ username, instanceId: id }).strict(),

  'staff.list': z.object({}).strict(),
  'staff.add': z
    .object({
      username: z.string().regex(ACCOUNT_NAME_RE, 'a Linux account name (a-z, 0-9, _ -)'),
      password,
      role,
      // The agent parses the key itself so it can answer INVALID_PUBLIC_KEY with a reason.
      publicKey: z.string().max(PUBLIC_KEY_MAX),
    })
    .strict(),
  'staff.remove': z.object({ username }).strict(),

  'instances.list': z.object({}).strict(),
  'instances.get': z.object({ id }).strict(),
  'instances.create': z
    .object({
      // Length and characters are checked by the agent so it can answer INVALID_NAME with a reason.
      name: z.string().max(INSTANCE_NAME_MAX * 4),
      exposure: z.enum(['private', 'public']).optional(),
      dryRun: z.boolean().optional(),
      size: projectSize.optional(),
      optionalServices: optionalServices.optional(),
    })
    .strict(),
  'instances.start': z.object({ id }).strict(),
  'instances.stop': z.object({ id }).strict(),
  'instances.restart': z.object({ id }).strict(),
  'instances.delete': z.object({ id }).strict(),
  'instances.cancel': z.object({ id }).strict(),
  'instances.credentials': z.object({ id }).strict(),
  'instances.progress': z.object({ id }).strict(),
  'instances.diagnose': z.object({ id }).strict(),
  'instances.repair': z.object({ id, dryRun: z.boolean().optional() }).strict(),
  'instances.settings.get': z.object({ id }).strict(),
  /** `null` puts a key back to its default. Secret keys travel here too, never in a log. */
  'instances.settings.set': z
    .object({
      id,
      changes: z
        .record(z.string().max(200), settingValue.nullable())
        .refine((c) => Object.keys(c).length > 0 && Object.keys(c).length <= 200, {
          message: '1 to 200 changes',
        }),
      dryRun: z.boolean().optional(),
    })
    .strict(),
  'instances.settings.rotate': z
    .object({
      id,
      secret: z.enum(['jwt', 'db-password', 'dashboard-password']),
      dryRun: z.boolean().optional(),
    })
    .strict(),
  'instances.settings.testEmail': z.object({ id, to: z.string().max(320) }).strict(),
  /** Size and optional services after creation: applied with the smallest recreate. */
  'instances.reshape': z
    .object({
      id,
      size: projectSize.optional(),
      optionalServices: optionalServices.optional(),
      dryRun: z.boolean().optional(),
    })
    .strict(),
  /** Memory committed by limits, projects per size, networks, ports: the server's capacity. */
  'system.capacity': z.object({}).strict(),
  /** A project's usage history (every few minutes, up to 7 days), for whoever sees the project. */
  'usage.history': z.object({ id, since: z.number().int().min(0).optional() }).strict(),

  'logs.follow': z
    .object({
      id,
      service: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,31}$/)
        .optional(),
      tail: z.number().int().min(0).max(100_000).optional(),
      follow: z.boolean().optional(),
      /** "records": data comes as `LogBatch` (types.ts); default "lines": `LogLine[]`. */
      format: z.enum(['lines', 'records']).optional(),
    })
    .strict(),
  'stats.instance': z.object({ id }).strict(),
  'system.resources': z.object({}).strict(),
  'events.subscribe': z.object({}).strict(),
  'audit.list': z
    .object({ limit: z.number().int().min(1).max(1000).optional(), instanceId: id.optional() })
    .strict(),
  'stream.cancel': z.object({ stream: streamId }).strict(),
  /** Trivial round trip, for keepalive and benchmarks. */
  'system.ping': z.object({}).strict(),
  /** The stack releases this agent knows, newest first. */
  'stack.releases': z.object({}).strict(),
  /** What upgrading to `release` (default: the newest on the same Postgres major) changes. */
  'instances.upgradePlan': z.object({ id, release: releaseId.optional() }).strict(),
  /** Upgrades and resolves when healthy on the new release, or rolled back (UPGRADE_ROLLED_BACK). */
  'instances.upgrade': z.object({ id, release: releaseId.optional() }).strict(),
  /** What moving to a newer Postgres major (default: the newest such release) changes. */
  'instances.upgradePostgresPlan': z.object({ id, release: releaseId.optional() }).strict(),
  /**
   * Postgres major upgrade by dump and restore into a new data directory; owner or admin only,
   * `confirm` is the project's name. Healthy on the new major, or UPGRADE_ROLLED_BACK.
   */
  'instances.upgradePostgres': z
    .object({ id, release: releaseId.optional(), confirm: z.string().max(INSTANCE_NAME_MAX * 4) })
    .strict(),
  ...AlertMethodParams,
  ...DumpImportMethodParams,

  // fleet: tags and bulk operations (instances/tags.ts, bulk/)
  /** Replaces the project's tags; the agent normalises them and answers INVALID_TAG with a reason. */
  'instances.setTags': z
    .object({ id, tags: z.array(z.string().max(200)).max(TAGS_MAX * 4) })
    .strict(),
  /** Begins a bulk job and answers at once; it runs on in the agent without the caller. */
  'bulk.start': z
    .object({ action: z.enum(BULK_ACTIONS), ids: z.array(id).min(1).max(BULK_MAX_ITEMS) })
    .strict(),
  'bulk.get': z.object({ job: z.string().regex(/^b[a-z0-9]{6,32}$/, 'a bulk job id') }).strict(),
  /** The caller's recent bulk jobs (an admin's: everyone's), newest first, without their items. */
  'bulk.list': z.object({}).strict(),

  // Custom domains. The agent checks hostnames itself to answer INVALID_HOSTNAME with a reason.
  'domains.list': z.object({ id }).strict(),
  'domains.add': z
    .object({
      id,
      hostname: z.string().max(300),
      target: z.enum(['api', 'studio', 'both']).optional(),
      hsts: z.boolean().optional(),
      studioAllowIps: z.array(z.string().max(64)).max(64).optional(),
    })
    .strict(),
  'domains.remove': z.object({ id, hostname: z.string().max(300) }).strict(),
  'domains.update': z
    .object({
      id,
      hostname: z.string().max(300),
      hsts: z.boolean().optional(),
      studioAllowIps: z.array(z.string().max(64)).max(64).optional(),
    })
    .strict(),
  /** Every domain of the server's projects the caller may see (the server page). */
  'domains.server': z.object({}).strict(),
  'domains.database.get': z.object({ id }).strict(),
  'domains.database.set': z
    .object({ id, enabled: z.boolean(), hostname: z.string().max(300).optional() })
    .strict(),

  // backups (remote-agent/src/backups/)
  'backups.destinations.list': z.object({}).strict(),
  'backups.destinations.add': z.object({ destination: destinationInput }).strict(),
  'backups.destinations.remove': z.object({ id: z.string().regex(/^d[0-9a-f]{10}$/) }).strict(),
  'backups.create': z
    .object({ id, destinations: z.array(z.string().max(32)).max(16).optional() })
    .strict(),
  'backups.list': z.object({ id }).strict(),
  'backups.restore': z
    .object({
      id,
      backupId: z.string().regex(/^b[0-9a-z-]{10,40}$/),
      /** The project's name, typed by the person: the restore replaces its data. */
      confirm: z.string().max(INSTANCE_NAME_MAX * 4),
      destination: z.string().max(32).optional(),
    })
    .strict(),
  'backups.verify': z
    .object({
      id,
      backupId: z.string().regex(/^b[0-9a-z-]{10,40}$/),
      destination: z.string().max(32).optional(),
    })
    .strict(),
  /** Restores a backup into a NEW project named `name` (its own ports, network, secrets). */
  'backups.clone': z
    .object({
      id,
      backupId: z.string().regex(/^b[0-9a-z-]{10,40}$/),
      name: z.string().max(INSTANCE_NAME_MAX * 4),
      destination: z.string().max(32).optional(),
    })
    .strict(),
  'backups.job': z.object({ jobId: z.string().regex(/^j[0-9a-f]{10}$/) }).strict(),
  /**
   * Streams one backup off the server (`BackupDownloadItem`s): the database dump, the Storage
   * and functions folders, and with `roles` the roles' dump (password hashes: owner or admin).
   */
  'backups.download': z
    .object({
      id,
      backupId: z.string().regex(/^b[0-9a-z-]{10,40}$/),
      destination: z.string().max(32).optional(),
      roles: z.boolean().optional(),
    })
    .strict(),
  /** Every project's backup state the caller sees (the server-wide backups view). */
  'backups.summary': z.object({}).strict(),
  /** Without `schedule`: reads it. With one: sets it. With null: removes it. */
  'backups.schedule': z
    .object({ id, schedule: backupScheduleInput.nullable().optional() })
    .strict(),
  /** The repository password, for the desktop's keychain (admin only). */
  'backups.key': z.object({}).strict(),
  /**
   * Clones a backup from ANOTHER server's repository into a new project here (admin only): the
   * destination it was written to (with credentials) and that server's repository password, both
   * from the desktop's keychain. `from.instanceId` without `backupId` takes that project's newest.
   */
  'backups.import': z
    .object({
      source: z.object({ destination: destinationInput, password: z.string().min(8).max(1024) }),
      from: z
        .object({
          instanceId: id.optional(),
          backupId: z
            .string()
            .regex(/^b[0-9a-z-]{10,40}$/)
            .optional(),
        })
        .strict(),
      name: z.string().max(INSTANCE_NAME_MAX * 4),
    })
    .strict(),
} as const;

export type MethodName = keyof typeof MethodParams;
export type ParamsOf<M extends MethodName> = z.input<(typeof MethodParams)[M]>;

export interface SessionInfo {
  token: string;
  expiresAt: string;
  user: UserPublic;
}

export interface MethodResults extends AlertMethodResults, DumpImportMethodResults {
  'session.hello': { agentVersion: string; protocol: number; capabilities: string[] };
  'session.bind': { ok: true };
  'auth.login': SessionInfo;
  'auth.resume': SessionInfo;
  'auth.logout': { ok: true };
  'auth.changePassword': { ok: true };
  'auth.whoami': { user: UserPublic };
  'users.list': { users: UserPublic[] };
  'users.create': { user: UserPublic };
  'users.update': { user: UserPublic };
  'users.delete': { ok: true };
  'users.grant': { user: UserPublic };
  'users.revoke': { user: UserPublic };
  'staff.list': { staff: StaffMember[] };
  /** Creates the Linux account and the agent user together; neither exists if either failed. */
  'staff.add': { member: StaffMember; user: UserPublic };
  /** Removes the agent user (first, so access ends at once) and then the Linux account. */
  'staff.remove': { ok: true };
  'instances.list': { instances: Instance[] };
  'instances.get': { instance: Instance };
  /** Returns at once; creation continues in the queue (watch `instances.progress` / events). */
  'instances.create': { instance: Instance; queuePosition: number };
  'instances.start': { instance: Instance };
  'instances.stop': { instance: Instance };
  'instances.restart': { instance: Instance };
  'instances.delete': { ok: true };
  /**
   * Cancels a queued or running creation; resolves once it is rolled back: the instance is then
   * `failed` with error code CANCELLED. INVALID_STATE when it is not being created.
   */
  'instances.cancel': { instance: Instance };
  'instances.credentials': { credentials: InstanceCredentials };
  'instances.progress': { events: ProgressEvent[]; finished: boolean };
  'instances.diagnose': { report: DiagnosticReport };
  'instances.repair': RepairResult;
  'instances.settings.get': { settings: InstanceSettingsView };
  /** Applied with the smallest restart, rolled back when a service does not turn healthy. */
  'instances.settings.set': {
    plan: StackChangePlan;
    dryRun: boolean;
    settings: InstanceSettingsView;
  };
  'instances.settings.rotate': { plan: StackChangePlan; dryRun: boolean };
  'instances.settings.testEmail': { messageId: string };
  'instances.reshape': { instance: Instance; plan: StackChangePlan; dryRun: boolean };
  'system.capacity': ServerCapacity;
  'usage.history': { samples: UsageSample[]; intervalMs: number };
  /** Stream data: `LogLine[]` batches, or `LogBatch` with `format: "records"`. */
  'logs.follow': { stream: string };
  'stats.instance': { services: ServiceStats[] };
  'system.resources': SystemResources;
  /** Stream data: `AgentEvent`. */
  'events.subscribe': { stream: string };
  'audit.list': { entries: AuditEntry[] };
  'stream.cancel': { ok: true };
  'system.ping': { now: string };
  'stack.releases': {
    releases: StackReleaseSummary[];
    newest: string;
    /** What a project without a recorded release runs. */
    legacy: string;
  };
  'instances.upgradePlan': { plan: UpgradePlan };
  'instances.upgrade': { instance: Instance; plan: UpgradePlan; diagnosis?: DiagnosticReport };
  'instances.upgradePostgresPlan': { plan: PostgresUpgradePlan };
  'instances.upgradePostgres': {
    instance: Instance;
    plan: PostgresUpgradePlan;
    diagnosis?: DiagnosticReport;
  };
  'instances.setTags': { instance: Instance };
  'bulk.start': { job: BulkJob };
  'bulk.get': { job: BulkJob };
  'bulk.list': { jobs: BulkJobSummary[] };
  'domains.list': { domains: DomainView[] };
  /**
   * Checks DNS first (DOMAIN_DNS_MISMATCH with the records to create), then routes the name
   * through the server's proxy and switches the project's public URLs; the certificate follows
   * asynchronously (see `certificate` in `domains.list`).
   */
  'domains.add': { domain: DomainView };
  /** Removes the route and the certificate; the public URLs switch back. */
  'domains.remove': { ok: true };
  /** HSTS and the Studio allow-list: a graceful proxy load, nothing restarts. */
  'domains.update': { domain: DomainView };
  'domains.server': { domains: ServerDomainView[] };
  'domains.database.get': { access: DatabaseAccessView };
  /**
   * Postgres over the internet, TLS only, with a domain's certificate (DOMAIN_CERTIFICATE_MISSING
   * until it has one): db and the pooler are recreated with the new binding.
   */
  'domains.database.set': { access: DatabaseAccessView };
  'backups.destinations.list': { destinations: BackupDestinationPublic[] };
  'backups.destinations.add': { destination: BackupDestinationPublic };
  'backups.destinations.remove': { ok: true };
  /** Returns at once; the job runs in the server's backup queue (watch `backups.job` / events). */
  'backups.create': { jobId: string; queuePosition: number };
  'backups.list': { backups: BackupSummary[] };
  'backups.restore': { jobId: string; queuePosition: number };
  'backups.verify': { jobId: string; queuePosition: number };
  /** The new project (being created) and the job that fills it once it runs. */
  'backups.clone': { jobId: string; queuePosition: number; instance: Instance };
  'backups.job': {
    instanceId: string;
    events: BackupProgress[];
    finished: boolean;
    /** Set when the job finished well: the backup it wrote (create) or the safety backup (restore). */
    backupId?: string;
    error?: { code: string; message: string };
  };
  /** `firstTime`: no client had fetched it before (the desktop shows it once for the vault). */
  'backups.key': { password: string; firstTime: boolean };
  'backups.download': BackupDownloadOpened;
  'backups.summary': { projects: ProjectBackupSummary[] };
  'backups.schedule': { schedule: BackupScheduleView | null };
  /** The new project (being created), the backup found, and the job that fills the project. */
  'backups.import': {
    jobId: string;
    queuePosition: number;
    instance: Instance;
    backupId: string;
    sourceInstanceId: string;
  };
}

export type ResultOf<M extends MethodName> = MethodResults[M];

/**
 * Methods allowed before `session.hello`: the hello itself, a ping, and the bind a staff
 * member's forced `dial` sends first (it can only narrow what the connection may do).
 */
export const BEFORE_HELLO_METHODS: readonly MethodName[] = [
  'session.hello',
  'session.bind',
  'system.ping',
];

/** Methods allowed before `auth.login`/`auth.resume`. */
export const PUBLIC_METHODS: readonly MethodName[] = [
  'session.hello',
  'session.bind',
  'auth.login',
  'auth.resume',
  'system.ping',
];
