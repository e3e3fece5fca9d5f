import { z } from 'zod';
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
  ServiceStats,
  SystemResources,
  UserPublic,
} from '../../../remote-agent/src/protocol/types';

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
  ServiceStats,
  SystemResources,
  UserPublic,
};

/**
 * The one contract between the UI and the desktop core (STYLE.md: one narrow, typed bridge).
 * The renderer calls it as `window.ultrabase`; Electron's preload, the browser test harness and
 * the CLI all implement or call exactly this. Failures reject with an error carrying `code`,
 * `message` and optional `data` (see contract/errors.ts).
 */

export type SshAuthMethod = 'agent' | 'key' | 'password';

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
}

export interface ServerSecretsInput {
  sshPassword?: string;
  keyPassphrase?: string;
  agentPassword?: string;
}

export interface ServerInput {
  name: string;
  host: string;
  port?: number;
  username?: string;
  auth: SshAuthMethod;
  keyPath?: string;
  jumpServerId?: string;
  agentUsername?: string;
  /** Go straight to the keychain; never stored with the profile. */
  secrets?: ServerSecretsInput;
}

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
  /** Log stream data; the receiver acknowledges with `ackStream` once it has rendered it. */
  | { type: 'stream.data'; stream: string; lines: LogLine[]; bytes: number }
  | { type: 'stream.end'; stream: string; error?: { code: string; message: string } };

export interface DesktopApi {
  // servers
  listServers(): Promise<ServerView[]>;
  addServer(input: ServerInput): Promise<ServerView>;
  updateServer(id: string, patch: Partial<ServerInput>): Promise<ServerView>;
  removeServer(id: string): Promise<void>;
  /** Hosts from ~/.ssh/config (or the given file) to prefill the add dialog. */
  readSshConfig(path?: string): Promise<SshConfigHost[]>;
  /**
   * Connects (bootstrapping or upgrading the agent when needed) and logs in. Rejects with
   * HOST_KEY_UNKNOWN (data: HostKeyInfo) until the person trusts the key, and with
   * HOST_KEY_CHANGED (data: { expected, actual }) when the pinned key no longer matches.
   */
  connectServer(id: string): Promise<ServerView>;
  /** Pins the fingerprint the person confirmed; it must equal the one the server presents. */
  trustHostKey(id: string, fingerprint: string): Promise<ServerView>;
  disconnectServer(id: string): Promise<void>;
  serverResources(id: string): Promise<SystemResources>;
  serverAudit(id: string, options?: { instanceId?: string; limit?: number }): Promise<AuditEntry[]>;

  // projects
  listProjects(serverId?: string): Promise<ProjectView[]>;
  createProject(
    serverId: string,
    input: { name: string; exposure?: Exposure },
  ): Promise<{ project: ProjectView; queuePosition: number }>;
  projectProgress(
    serverId: string,
    instanceId: string,
  ): Promise<{ events: ProgressEvent[]; finished: boolean }>;
  startProject(serverId: string, instanceId: string): Promise<ProjectView>;
  stopProject(serverId: string, instanceId: string): Promise<ProjectView>;
  restartProject(serverId: string, instanceId: string): Promise<ProjectView>;
  deleteProject(serverId: string, instanceId: string): Promise<void>;
  projectCredentials(serverId: string, instanceId: string): Promise<InstanceCredentials>;
  diagnoseProject(serverId: string, instanceId: string): Promise<DiagnosticReport>;
  repairProject(
    serverId: string,
    instanceId: string,
    options?: { dryRun?: boolean },
  ): Promise<RepairResult>;
  projectStats(serverId: string, instanceId: string): Promise<ServiceStats[]>;
  /** Private projects open through a local port forward; returns the URL to open on this machine. */
  openProject(serverId: string, instanceId: string, target: OpenTarget): Promise<{ url: string }>;

  // logs (data arrives as 'stream.data' events)
  followLogs(
    serverId: string,
    instanceId: string,
    options?: { service?: string; tail?: number },
  ): Promise<{ stream: string }>;
  ackStream(stream: string, bytes: number): Promise<void>;
  closeStream(stream: string): Promise<void>;

  // users (admins)
  listUsers(serverId: string): Promise<UserPublic[]>;
  createUser(
    serverId: string,
    input: { username: string; password: string; role: Role },
  ): Promise<UserPublic>;
  updateUser(
    serverId: string,
    input: { username: string; role?: Role; password?: string; disabled?: boolean },
  ): Promise<UserPublic>;
  deleteUser(serverId: string, username: string): Promise<void>;
  grantProject(serverId: string, username: string, instanceId: string): Promise<UserPublic>;
  revokeProject(serverId: string, username: string, instanceId: string): Promise<UserPublic>;

  // settings
  getSettings(): Promise<AppSettings>;
  updateSettings(patch: Partial<AppSettings>): Promise<AppSettings>;

  /** Subscribe to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: DesktopEvent) => void): () => void;
}

export type DesktopMethod = Exclude<keyof DesktopApi, 'onEvent'>;

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
  })
  .strict();
const settingsArg = z
  .object({
    theme: z.enum(['light', 'dark', 'system']).optional(),
    defaultExposure: exposure.optional(),
    logTail: z.number().int().min(0).max(100_000).optional(),
    language: z.enum(['en', 'pt-BR']).optional(),
  })
  .strict();

export const DesktopApiArgs = {
  listServers: z.tuple([]),
  addServer: z.tuple([serverInput]),
  updateServer: z.tuple([idArg, serverInput.partial()]),
  removeServer: z.tuple([idArg]),
  readSshConfig: z.tuple([text(4096).optional()]),
  connectServer: z.tuple([idArg]),
  trustHostKey: z.tuple([idArg, text(200)]),
  disconnectServer: z.tuple([idArg]),
  serverResources: z.tuple([idArg]),
  serverAudit: z.tuple([
    idArg,
    z
      .object({ instanceId: idArg.optional(), limit: z.number().int().min(1).max(1000).optional() })
      .strict()
      .optional(),
  ]),
  listProjects: z.tuple([idArg.optional()]),
  createProject: z.tuple([
    idArg,
    z.object({ name: text(200), exposure: exposure.optional() }).strict(),
  ]),
  projectProgress: z.tuple([idArg, idArg]),
  startProject: z.tuple([idArg, idArg]),
  stopProject: z.tuple([idArg, idArg]),
  restartProject: z.tuple([idArg, idArg]),
  deleteProject: z.tuple([idArg, idArg]),
  projectCredentials: z.tuple([idArg, idArg]),
  diagnoseProject: z.tuple([idArg, idArg]),
  repairProject: z.tuple([
    idArg,
    idArg,
    z.object({ dryRun: z.boolean().optional() }).strict().optional(),
  ]),
  projectStats: z.tuple([idArg, idArg]),
  openProject: z.tuple([idArg, idArg, z.enum(['studio', 'api', 'database'])]),
  followLogs: z.tuple([
    idArg,
    idArg,
    z
      .object({
        service: text(32).optional(),
        tail: z.number().int().min(0).max(100_000).optional(),
      })
      .strict()
      .optional(),
  ]),
  ackStream: z.tuple([idArg, z.number().int().min(0)]),
  closeStream: z.tuple([idArg]),
  listUsers: z.tuple([idArg]),
  createUser: z.tuple([
    idArg,
    z.object({ username: text(64), password: text(1024), role: roleArg }).strict(),
  ]),
  updateUser: z.tuple([
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
  deleteUser: z.tuple([idArg, text(64)]),
  grantProject: z.tuple([idArg, text(64), idArg]),
  revokeProject: z.tuple([idArg, text(64), idArg]),
  getSettings: z.tuple([]),
  updateSettings: z.tuple([settingsArg]),
} satisfies Record<DesktopMethod, z.ZodTypeAny>;

export const DESKTOP_METHODS = Object.keys(DesktopApiArgs) as DesktopMethod[];
