import { z } from 'zod';
import { PUBLIC_KEY_MAX } from '@protocol/validation';
import {
  AlertSettingsSchema,
  ChannelInputSchema,
  RuleSchema,
  type AlertMethodResults,
  type AlertsOverview,
  type ChannelPublic,
} from '@protocol/alerts';
import {
  BULK_ACTIONS,
  BULK_MAX_ITEMS,
  type BulkAction,
  type BulkItem,
  type BulkJob,
  type BulkJobSummary,
} from '@protocol/bulk';
import { OPTIONAL_SERVICES, SIZE_PROFILES, type OptionalServices } from '@protocol/types';
import { defineMethod, type MethodDef } from './define-method';
import { backupDesktopMethods, dumpImportDesktopMethods } from './backups';
import type {
  AuditEntry,
  DiagnosticReport,
  Exposure,
  Instance,
  InstanceCredentials,
  LogLine,
  ProgressEvent,
  RepairResult,
  Role,
  ServerCapacity,
  ServiceStats,
  StackAdvisory,
  StackReleaseSummary,
  StaffMember,
  SystemResources,
  UpgradePlan,
  UserPublic,
  PostgresUpgradePlan,
} from '@protocol/types';
import type {
  ApplyProgress,
  InstanceSettingsView,
  SecretRotation,
  SettingValue,
  StackChangePlan,
} from '@protocol/types';
export type { ApplyProgress, InstanceSettingsView, SecretRotation, SettingValue, StackChangePlan };
import type {
  DatabaseAccessView,
  DomainTarget,
  DomainView,
  ServerDomainView,
} from '@protocol/types';
export type { DatabaseAccessView, DomainTarget, DomainView, ServerDomainView };
import type { UsageSample } from '@protocol/types';
export type { UsageSample };
import type { RecoveryProgress } from '@protocol/types';
export type { RecoveryProgress };

/** What changing a project's settings answers: the plan, and the settings after it. */
export interface ProjectSettingsResult {
  plan: StackChangePlan;
  dryRun: boolean;
  settings: InstanceSettingsView;
}

export type { BulkAction, BulkItem, BulkJob, BulkJobSummary };
export type {
  AuditEntry,
  DiagnosticReport,
  Exposure,
  Instance,
  InstanceCredentials,
  LogLine,
  ProgressEvent,
  RepairResult,
  Role,
  ServerCapacity,
  ServiceStats,
  StackAdvisory,
  StackReleaseSummary,
  StaffMember,
  SystemResources,
  UpgradePlan,
  UserPublic,
  PostgresUpgradePlan,
};

/**
 * The one contract between the UI and the desktop core (STYLE.md: one narrow, typed bridge).
 * The renderer calls it as `window.ultrabase`; Electron's preload, the browser test harness and
 * the CLI all implement or call exactly this. Failures reject with an error carrying `code`,
 * `message` and optional `data` (see contract/errors.ts).
 */

export type SshAuthMethod = 'agent' | 'key' | 'password';

/**
 * How the profile's SSH login reaches the agent. 'full' (the default, also when absent): the
 * login may install and upgrade the agent and open tunnels. 'staff': a staff member's own
 * restricted login (docs/staff-accounts.md) whose key may only run the agent's `dial`, so the
 * core skips the bootstrap and never asks for socket or port forwarding.
 */
export type ServerAccess = 'full' | 'staff';

/** Non-secret fields only: this is what the settings file holds. */
export interface ServerProfile {
  id: string;
  name: string;
  /** 'local' is the built-in "This computer" (agent over stdio, no SSH). */
  kind: 'ssh' | 'local';
  host: string;
  port: number;
  username: string;
  auth: SshAuthMethod;
  keyPath?: string;
  /** Another profile used as a jump host (ProxyJump). */
  jumpServerId?: string;
  /** The account on the agent (not the SSH user). */
  agentUsername: string;
  /** Pinned after the person confirms it (trust on first use). */
  hostKey?: { fingerprint: string; algorithm: string; trustedAt: string };
  /** Absent means 'full'. */
  access?: ServerAccess;
  createdAt: string;
}

export type ConnectionState =
  'disconnected' | 'connecting' | 'bootstrapping' | 'connected' | 'reconnecting' | 'error';

export interface ServerView extends ServerProfile {
  state: ConnectionState;
  /** Why the last connection attempt failed (state 'error', or while reconnecting). */
  error?: { code: string; message: string; data?: Record<string, unknown> };
  agent?: { version: string; protocol: number };
  /** Who we are logged in as on the agent. */
  user?: UserPublic;
  /** Which secrets the keychain holds for this server (never the secrets themselves). */
  secrets: { sshPassword: boolean; keyPassphrase: boolean; agentPassword: boolean };
  /**
   * The agent is bringing projects back after a reboot or an engine restart (absent when no
   * pass runs); `waiting` names the projects still to come.
   */
  recovery?: RecoveryProgress;
}

/** Go straight to the keychain; never stored with the profile. */
export type ServerSecretsInput = z.input<typeof secretsArg>;

/** What the add/edit dialog and the CLI send; the profile is built from it. */
export type ServerInput = z.input<typeof serverInput>;

/** A project is an agent instance seen from the desktop: which server it lives on. */
export interface ProjectView extends Instance {
  serverId: string;
  serverName: string;
}

export interface HostKeyInfo {
  host: string;
  port: number;
  algorithm: string;
  /** 'SHA256:…' as OpenSSH prints it. */
  fingerprint: string;
}

export interface SshConfigHost {
  alias: string;
  hostName: string;
  user?: string;
  port?: number;
  identityFile?: string;
  proxyJump?: string;
}

export interface AppSettings {
  theme: 'light' | 'dark' | 'system';
  defaultExposure: Exposure;
  /** Lines of history shown when a log terminal opens. */
  logTail: number;
  /** The UI language; absent until the person picks one, so the OS language applies. */
  language?: UiLanguage;
  /** How the projects page shows the fleet; absent until the person switches once. */
  projectsLayout?: 'cards' | 'table';
}

/** The languages the renderer has catalogues for. */
export type UiLanguage = 'en' | 'pt-BR';

export type OpenTarget = 'studio' | 'api' | 'database';

export type DesktopEvent =
  | { type: 'server.state'; server: ServerView }
  | { type: 'server.removed'; serverId: string }
  | { type: 'project.changed'; project: ProjectView }
  | { type: 'project.deleted'; serverId: string; instanceId: string }
  | { type: 'project.progress'; serverId: string; event: ProgressEvent }
  | {
      type: 'project.diagnosed';
      serverId: string;
      instanceId: string;
      report: DiagnosticReport;
      changed: boolean;
    }
  | {
      type: 'project.repaired';
      serverId: string;
      instanceId: string;
      result: RepairResult;
      automatic: boolean;
    }
  /** A step of applying a stack change (settings, rotation) to a project. */
  | { type: 'project.applying'; serverId: string; event: ApplyProgress }
  /** Log stream data; the receiver acknowledges with `ackStream` once it has rendered it. */
  | { type: 'stream.data'; stream: string; lines: LogLine[]; bytes: number }
  | { type: 'stream.end'; stream: string; error?: { code: string; message: string } }
  /** A bulk job this person began moved (`item`: the one that changed). */
  | { type: 'bulk.progress'; serverId: string; job: BulkJobSummary; item?: BulkItem };

// ---- argument schemas: main (IPC) and the harness validate every call with these ----

const idArg = z.string().min(1).max(64);
const text = (max: number) => z.string().max(max);
const exposure = z.enum(['private', 'public']);
const roleArg = z.enum(['admin', 'user']);
const secretsArg = z
  .object({
    sshPassword: text(4096).optional(),
    keyPassphrase: text(4096).optional(),
    agentPassword: text(1024).optional(),
  })
  .strict();
const serverInput = z
  .object({
    name: text(100).min(1),
    host: text(255).min(1),
    port: z.number().int().min(1).max(65535).optional(),
    username: text(64).optional(),
    auth: z.enum(['agent', 'key', 'password']),
    keyPath: text(4096).optional(),
    jumpServerId: idArg.optional(),
    agentUsername: text(64).optional(),
    secrets: secretsArg.optional(),
    access: z.enum(['full', 'staff']).optional(),
  })
  .strict();
/** A staff member's public key as one OpenSSH line; the agent checks it strictly. */
const staffInput = z
  .object({
    username: text(64),
    password: text(1024),
    role: roleArg,
    publicKey: text(PUBLIC_KEY_MAX),
  })
  .strict();
const settingsArg = z
  .object({
    theme: z.enum(['light', 'dark', 'system']).optional(),
    defaultExposure: exposure.optional(),
    logTail: z.number().int().min(0).max(100_000).optional(),
    language: z.enum(['en', 'pt-BR']).optional(),
    projectsLayout: z.enum(['cards', 'table']).optional(),
  })
  .strict();
const project = [idArg, idArg] as const;
/** A project setting's value (the agent checks each key's own rules); null resets it. */
const settingValueArg = z
  .union([text(8192), z.number(), z.boolean(), z.array(text(2048)).max(200)])
  .nullable();
const dryRunArg = z.object({ dryRun: z.boolean().optional() }).strict();
const releaseOption = z
  .object({
    release: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,40}$/)
      .optional(),
  })
  .strict();
/** The Postgres major upgrade: the project's name typed again, and an optional release. */
const postgresUpgradeOptions = z
  .object({
    release: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,40}$/)
      .optional(),
    confirm: z.string().max(1024),
  })
  .strict();
const projectSize = z
  .object({
    profile: z.enum(SIZE_PROFILES),
    memoryMb: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .optional(),
    cpus: z.number().min(0.1).max(256).optional(),
  })
  .strict();
const optionalServices = z
  .object(Object.fromEntries(OPTIONAL_SERVICES.map((s) => [s, z.boolean().optional()])))
  .strict() as z.ZodType<OptionalServices>;

/**
 * Every DesktopApi method, defined once: argument schemas (required, then the optional tail)
 * and the result type. `DesktopApi` below is derived from this table, so the signature the
 * renderer calls and the schema IPC checks cannot drift apart.
 */
export const desktopMethods = {
  // servers
  listServers: defineMethod<ServerView[]>()(),
  addServer: defineMethod<ServerView>()([serverInput]),
  updateServer: defineMethod<ServerView>()([idArg, serverInput.partial()]),
  removeServer: defineMethod<void>()([idArg]),
  /** Hosts from ~/.ssh/config (or the given file) to prefill the add dialog. */
  readSshConfig: defineMethod<SshConfigHost[]>()([], [text(4096)]),
  /**
   * Connects (bootstrapping or upgrading the agent when needed) and logs in. Rejects with
   * HOST_KEY_UNKNOWN (data: the presented key) until the person trusts the key, and with
   * HOST_KEY_CHANGED (data: { expected, actual }) when the pinned key no longer matches.
   */
  connectServer: defineMethod<ServerView>()([idArg]),
  /** Pins the fingerprint the person confirmed; it must equal the one the server presents. */
  trustHostKey: defineMethod<ServerView>()([idArg, text(200)]),
  disconnectServer: defineMethod<void>()([idArg]),
  serverResources: defineMethod<SystemResources>()([idArg]),
  /** Memory committed by limits, projects per size, how many more fit, networks, ports. */
  serverCapacity: defineMethod<ServerCapacity>()([idArg]),
  serverAudit: defineMethod<AuditEntry[]>()(
    [idArg],
    [
      z
        .object({
          instanceId: idArg.optional(),
          limit: z.number().int().min(1).max(1000).optional(),
        })
        .strict(),
    ],
  ),

  // projects
  listProjects: defineMethod<ProjectView[]>()([], [idArg]),
  createProject: defineMethod<{ project: ProjectView; queuePosition: number }>()([
    idArg,
    z
      .object({
        name: text(200),
        exposure: exposure.optional(),
        size: projectSize.optional(),
        optionalServices: optionalServices.optional(),
      })
      .strict(),
  ]),
  projectProgress: defineMethod<{ events: ProgressEvent[]; finished: boolean }>()(project),
  startProject: defineMethod<ProjectView>()(project),
  stopProject: defineMethod<ProjectView>()(project),
  restartProject: defineMethod<ProjectView>()(project),
  deleteProject: defineMethod<void>()(project),
  /**
   * Cancels a queued or running creation and resolves once it is rolled back: the project is
   * then `failed` with code CANCELLED. INVALID_STATE when it is not being created.
   */
  cancelCreation: defineMethod<ProjectView>()(project),
  projectCredentials: defineMethod<InstanceCredentials>()(project),
  diagnoseProject: defineMethod<DiagnosticReport>()(project),
  repairProject: defineMethod<RepairResult>()(project, [
    z.object({ dryRun: z.boolean().optional() }).strict(),
  ]),
  projectStats: defineMethod<ServiceStats[]>()(project),
  /** The project's usage history kept by the agent (a sample every few minutes, 7 days). */
  projectUsageHistory: defineMethod<{ samples: UsageSample[]; intervalMs: number }>()(project, [
    z.number().int().min(0).optional(),
  ]),
  /** Project settings (auth URLs, SMTP, providers, API, overrides); secret values never come back. */
  projectSettings: defineMethod<InstanceSettingsView>()(project),
  /** Applies with the smallest restart; `dryRun` only returns the plan. */
  setProjectSettings: defineMethod<ProjectSettingsResult>()(
    [idArg, idArg, z.record(text(200), settingValueArg)],
    [dryRunArg],
  ),
  rotateProjectSecret: defineMethod<{ plan: StackChangePlan; dryRun: boolean }>()(
    [idArg, idArg, z.enum(['jwt', 'db-password', 'dashboard-password'])],
    [dryRunArg],
  ),
  /** Sends one message with the project's saved SMTP settings, from the server. */
  sendTestEmail: defineMethod<{ messageId: string }>()([idArg, idArg, text(320)]),
  /** Changes size and/or optional services: the smallest recreate, rolled back on failure. */
  reshapeProject: defineMethod<ProjectView>()(project, [
    z
      .object({ size: projectSize.optional(), optionalServices: optionalServices.optional() })
      .strict(),
  ]),
  /**
   * What a size or services change would do, without doing it: the services recreated, or
   * INSUFFICIENT_RESOURCES with the memory numbers (a dry-run `instances.reshape`).
   */
  planReshapeProject: defineMethod<{ plan: StackChangePlan; dryRun: boolean }>()(project, [
    z
      .object({ size: projectSize.optional(), optionalServices: optionalServices.optional() })
      .strict(),
  ]),
  /** Custom domains with their certificate state and the DNS records that make them resolve. */
  projectDomains: defineMethod<DomainView[]>()(project),
  /** Checks DNS first (DOMAIN_DNS_MISMATCH names the record to create), then routes the name. */
  addProjectDomain: defineMethod<DomainView>()(
    [idArg, idArg, text(300)],
    [
      z
        .object({
          target: z.enum(['api', 'studio', 'both']).optional(),
          hsts: z.boolean().optional(),
          studioAllowIps: z.array(text(64)).max(64).optional(),
        })
        .strict(),
    ],
  ),
  removeProjectDomain: defineMethod<void>()([idArg, idArg, text(300)]),
  /** HSTS and the Studio allow-list of an added domain (a graceful proxy load). */
  updateProjectDomain: defineMethod<DomainView>()([
    idArg,
    idArg,
    text(300),
    z
      .object({
        hsts: z.boolean().optional(),
        studioAllowIps: z.array(text(64)).max(64).optional(),
      })
      .strict(),
  ]),
  /** Every custom domain of the server's projects with its certificate (the server page). */
  serverDomains: defineMethod<ServerDomainView[]>()([idArg]),
  /** Whether Postgres answers from the internet (TLS only) and how to connect. */
  projectDatabaseAccess: defineMethod<DatabaseAccessView>()(project),
  setProjectDatabaseAccess: defineMethod<DatabaseAccessView>()(
    [idArg, idArg, z.boolean()],
    [z.object({ hostname: text(300).optional() }).strict()],
  ),
  /** Private projects open through a local port forward; returns the URL to open on this machine. */
  openProject: defineMethod<{ url: string }>()([
    idArg,
    idArg,
    z.enum(['studio', 'api', 'database']),
  ]),

  // stack releases and upgrades
  /** The releases the server's agent knows, newest first, with their notes and advisories. */
  stackReleases: defineMethod<{
    releases: StackReleaseSummary[];
    newest: string;
    legacy: string;
  }>()([idArg]),
  /** What upgrading to a release (default: the newest on its Postgres major) changes. */
  upgradePlan: defineMethod<UpgradePlan>()(project, [releaseOption]),
  /** Resolves healthy on the new release, or rejects UPGRADE_ROLLED_BACK (back on the old one). */
  upgradeProject: defineMethod<{
    project: ProjectView;
    plan: UpgradePlan;
    /** The diagnosis the agent ran once the new release was healthy. */
    diagnosis?: DiagnosticReport;
  }>()(project, [releaseOption]),
  /** What moving to a newer Postgres major changes (never part of a normal upgrade). */
  upgradePostgresPlan: defineMethod<PostgresUpgradePlan>()(project, [releaseOption]),
  /** Dump, new data directory, restore; healthy on the new major or UPGRADE_ROLLED_BACK. */
  upgradePostgres: defineMethod<{
    project: ProjectView;
    plan: PostgresUpgradePlan;
    diagnosis?: DiagnosticReport;
  }>()([...project, postgresUpgradeOptions]),

  // logs (data arrives as 'stream.data' events)
  followLogs: defineMethod<{ stream: string }>()(project, [
    z
      .object({
        service: text(32).optional(),
        tail: z.number().int().min(0).max(100_000).optional(),
      })
      .strict(),
  ]),
  ackStream: defineMethod<void>()([idArg, z.number().int().min(0)]),
  closeStream: defineMethod<void>()([idArg]),

  // users (admins)
  listUsers: defineMethod<UserPublic[]>()([idArg]),
  createUser: defineMethod<UserPublic>()([
    idArg,
    z.object({ username: text(64), password: text(1024), role: roleArg }).strict(),
  ]),
  updateUser: defineMethod<UserPublic>()([
    idArg,
    z
      .object({
        username: text(64),
        role: roleArg.optional(),
        password: text(1024).optional(),
        disabled: z.boolean().optional(),
      })
      .strict(),
  ]),
  deleteUser: defineMethod<void>()([idArg, text(64)]),
  grantProject: defineMethod<UserPublic>()([idArg, text(64), idArg]),
  revokeProject: defineMethod<UserPublic>()([idArg, text(64), idArg]),

  // staff members (admins): a restricted Linux login plus an agent user, made and removed together
  listStaff: defineMethod<StaffMember[]>()([idArg]),
  addStaff: defineMethod<{ member: StaffMember; user: UserPublic }>()([idArg, staffInput]),
  removeStaff: defineMethod<void>()([idArg, text(64)]),

  // alerts (admins): channels, rules, settings and the delivery log of one server's agent
  getAlerts: defineMethod<AlertsOverview>()([idArg]),
  setAlertChannel: defineMethod<ChannelPublic>()([idArg, ChannelInputSchema]),
  deleteAlertChannel: defineMethod<void>()([idArg, text(40)]),
  setAlertRules: defineMethod<AlertMethodResults['alerts.rules.set']['rules']>()([
    idArg,
    z.array(RuleSchema).max(100),
  ]),
  updateAlertSettings: defineMethod<AlertMethodResults['alerts.settings.set']['settings']>()([
    idArg,
    AlertSettingsSchema.partial(),
  ]),
  testAlertChannel: defineMethod<AlertMethodResults['alerts.test']>()([idArg, text(40)]),
  alertLog: defineMethod<AlertMethodResults['alerts.log']>()([
    idArg,
    z
      .object({ limit: z.number().int().min(1).max(500).optional() })
      .strict()
      .optional(),
  ]),
  // fleet: tags and bulk jobs (run by the agent, one job per server)
  /** Replaces a project's tags; the agent normalises them (INVALID_TAG with a reason). */
  setProjectTags: defineMethod<ProjectView>()([idArg, idArg, z.array(text(200)).max(64)]),
  /** Begins a bulk job on one server and resolves at once; progress comes as `bulk.progress`. */
  startBulk: defineMethod<BulkJob>()([
    idArg,
    z.enum(BULK_ACTIONS),
    z.array(idArg).min(1).max(BULK_MAX_ITEMS),
  ]),
  /** A bulk job as it stands (after a reconnect, or to draw the summary). */
  bulkJob: defineMethod<BulkJob>()([idArg, idArg]),

  // settings
  getSettings: defineMethod<AppSettings>()(),
  updateSettings: defineMethod<AppSettings>()([settingsArg]),

  ...backupDesktopMethods,
  ...dumpImportDesktopMethods,
} as const;

export type DesktopMethod = keyof typeof desktopMethods;

type Signature<D> =
  D extends MethodDef<infer Args, infer Result> ? (...args: Args) => Promise<Result> : never;

/** The call half of the contract, derived from `desktopMethods`. */
export type DesktopCalls = { [M in DesktopMethod]: Signature<(typeof desktopMethods)[M]> };

export interface DesktopApi extends DesktopCalls {
  /** Subscribe to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: DesktopEvent) => void): () => void;
}

/** Argument schemas by method (IPC and the harness validate every call with these). */
export const DesktopApiArgs = Object.fromEntries(
  Object.entries(desktopMethods).map(([name, def]) => [name, def.args]),
) as { [M in DesktopMethod]: (typeof desktopMethods)[M]['args'] };

export const DESKTOP_METHODS = Object.keys(desktopMethods) as DesktopMethod[];
