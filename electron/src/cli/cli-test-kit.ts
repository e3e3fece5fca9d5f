// Small fakes for the CLI's unit tests: an in-memory desktop and a scripted terminal.
import { PassThrough } from 'node:stream';
import type {
  DesktopEvent,
  ProgressEvent,
  ProjectView,
  ServerInput,
  ServerView,
  StaffMember,
  UserPublic,
} from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import type { Desktop } from '../core/desktop';
import type { CliInputStream, CliIo, CliOutputStream } from './cli-io';
import { runCli } from './run-cli';

export const FP_OLD = 'SHA256:' + 'A'.repeat(43);
export const FP_NEW = 'SHA256:' + 'B'.repeat(43);

export interface FakeDesktop extends Desktop {
  calls: Array<[string, ...unknown[]]>;
  servers: ServerView[];
  projects: ProjectView[];
  users: UserPublic[];
  staff: StaffMember[];
  /** The key each server presents now (what a connection would see). */
  presented: Map<string, string>;
  /** Successive answers of projectProgress. */
  progress: Array<{ events: ProgressEvent[]; finished: boolean }>;
  /** Servers whose connection fails with this error. */
  failing: Map<string, UltrabaseError>;
  emit(event: DesktopEvent): void;
}

export function server(patch: Partial<ServerView> & { name: string }): ServerView {
  return {
    id: `srv-${patch.name}`,
    kind: 'ssh',
    host: '203.0.113.10',
    port: 22,
    username: 'root',
    auth: 'key',
    agentUsername: 'admin',
    createdAt: '2026-01-01T00:00:00.000Z',
    state: 'disconnected',
    secrets: { sshPassword: false, keyPassphrase: false, agentPassword: false },
    ...patch,
  };
}

export function project(patch: Partial<ProjectView> & { name: string }): ProjectView {
  return {
    id: `inst-${patch.name}`,
    owner: 'admin',
    status: 'running',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    exposure: 'private',
    ports: { kongHttp: 8000, kongHttps: 8400, postgres: 5400, poolerTransaction: 6400 },
    urls: {
      studio: 'http://127.0.0.1:8000',
      api: 'http://127.0.0.1:8000',
      database: 'postgres://127.0.0.1:5400',
    },
    project: `ub_${patch.name}`,
    serverId: 'srv-web',
    serverName: 'web',
    ...patch,
  };
}

export function fakeDesktop(seed: { servers?: ServerView[]; projects?: ProjectView[] } = {}) {
  const listeners = new Set<(e: DesktopEvent) => void>();
  const fake = {
    calls: [],
    servers: seed.servers ?? [server({ name: 'web', hostKey: pin(FP_OLD) })],
    projects: seed.projects ?? [],
    users: [{ username: 'admin', role: 'admin', disabled: false, grants: [], createdAt: '' }],
    staff: [],
    presented: new Map<string, string>(),
    progress: [],
    failing: new Map<string, UltrabaseError>(),
    emit(event: DesktopEvent) {
      for (const l of listeners) l(event);
    },
  } as Partial<FakeDesktop> as FakeDesktop;
  const record = (name: string, ...args: unknown[]) => fake.calls.push([name, ...args]);
  const byId = (id: string) => {
    const s = fake.servers.find((x) => x.id === id);
    if (!s) throw new UltrabaseError('SERVER_NOT_FOUND', `no ${id}`);
    return s;
  };
  const projectById = (id: string) => {
    const p = fake.projects.find((x) => x.id === id);
    if (!p) throw new UltrabaseError('NOT_FOUND', `no ${id}`);
    return p;
  };
  const user = (username: string) => {
    const u = fake.users.find((x) => x.username === username);
    if (!u) throw new UltrabaseError('NOT_FOUND', `no user ${username}`);
    return u;
  };
  const methods: Partial<Desktop> = {
    async listServers() {
      return fake.servers.map((s) => ({ ...s }));
    },
    async addServer(input: ServerInput) {
      record('addServer', input);
      if (fake.servers.some((s) => s.name === input.name))
        throw new UltrabaseError('SERVER_EXISTS', 'exists');
      const s = server({
        name: input.name,
        host: input.host,
        auth: input.auth,
        secrets: {
          sshPassword: Boolean(input.secrets?.sshPassword),
          keyPassphrase: Boolean(input.secrets?.keyPassphrase),
          agentPassword: Boolean(input.secrets?.agentPassword),
        },
      });
      fake.servers.push(s);
      return s;
    },
    async removeServer(id) {
      record('removeServer', id);
      fake.servers = fake.servers.filter((s) => s.id !== id);
    },
    async readSshConfig(path) {
      record('readSshConfig', path);
      return [
        { alias: 'inner', hostName: '10.0.0.7', proxyJump: 'bastion' },
        { alias: 'bastion', hostName: '203.0.113.5', user: 'deploy', port: 2222 },
        { alias: 'web', hostName: '203.0.113.10' },
      ];
    },
    async connectServer(id) {
      record('connectServer', id);
      const s = byId(id);
      const failure = fake.failing.get(id);
      if (failure) throw failure;
      const now = fake.presented.get(id) ?? s.hostKey?.fingerprint ?? FP_OLD;
      const info = { host: s.host, port: s.port, algorithm: 'ssh-ed25519', fingerprint: now };
      if (s.kind === 'ssh' && !s.hostKey)
        throw new UltrabaseError('HOST_KEY_UNKNOWN', `unknown ${now}`, { ...info });
      if (s.kind === 'ssh' && s.hostKey!.fingerprint !== now)
        throw new UltrabaseError('HOST_KEY_CHANGED', `changed to ${now}`, {
          ...info,
          expected: s.hostKey!.fingerprint,
          actual: now,
        });
      s.state = 'connected';
      fake.emit({ type: 'server.state', server: { ...s, state: 'connecting' } });
      fake.emit({ type: 'server.state', server: { ...s } });
      return { ...s, agent: { version: '1.2.3', protocol: 1 }, user: fake.users[0]! };
    },
    async trustHostKey(id, fingerprint) {
      record('trustHostKey', id, fingerprint);
      const s = byId(id);
      const now = fake.presented.get(id) ?? s.hostKey?.fingerprint ?? FP_OLD;
      if (now !== fingerprint)
        throw new UltrabaseError('HOST_KEY_MISMATCH', 'mismatch', {
          expected: fingerprint,
          actual: now,
        });
      s.hostKey = pin(fingerprint);
      return { ...s };
    },
    async disconnectServer(id) {
      record('disconnectServer', id);
    },
    async listProjects(serverId) {
      return fake.projects.filter((p) => !serverId || p.serverId === serverId);
    },
    async createProject(serverId, input) {
      record('createProject', serverId, input);
      if (input.name.includes('/')) throw new UltrabaseError('INVALID_NAME', 'bad name');
      const s = byId(serverId);
      const p = project({
        name: input.name,
        status: input.dryRun ? 'created' : 'queued',
        exposure: input.exposure ?? 'private',
        serverId,
        serverName: s.name,
      });
      fake.projects.push(p);
      return { project: p, queuePosition: 2 };
    },
    async projectProgress(serverId, id) {
      record('projectProgress', serverId, id);
      const next = fake.progress.length > 1 ? fake.progress.shift()! : fake.progress[0];
      if (next?.finished && !next.events.some((e) => e.status === 'failed'))
        projectById(id).status = 'running';
      return next ?? { events: [], finished: false };
    },
    async startProject(_s, id) {
      record('startProject', id);
      return { ...projectById(id), status: 'running' };
    },
    async stopProject(_s, id) {
      record('stopProject', id);
      return { ...projectById(id), status: 'stopped' };
    },
    async restartProject(_s, id) {
      record('restartProject', id);
      return { ...projectById(id), status: 'running' };
    },
    async cancelCreation(_s, id) {
      record('cancelCreation', id);
      const p = projectById(id);
      if (p.status !== 'queued' && p.status !== 'creating')
        throw new UltrabaseError('INVALID_STATE', `${p.name} is ${p.status}`);
      p.status = 'failed';
      p.error = { code: 'CANCELLED', reason: 'The creation was cancelled.', at: p.updatedAt };
      return { ...p };
    },
    async deleteProject(_s, id) {
      record('deleteProject', id);
      fake.projects = fake.projects.filter((p) => p.id !== id);
    },
    async projectCredentials(_s, id) {
      record('projectCredentials', id);
      return {
        postgresPassword: 'pg-pass',
        jwtSecret: 'jwt',
        anonKey: 'anon',
        serviceRoleKey: 'service',
        dashboardUsername: 'supabase',
        dashboardPassword: 'dash',
        databaseUrl: 'postgres://x',
      } as Awaited<ReturnType<Desktop['projectCredentials']>>;
    },
    async diagnoseProject(_s, id) {
      record('diagnoseProject', id);
      return {
        instanceId: id,
        status: 'warn',
        checks: [
          { id: 'kong', title: 'Kong answers', status: 'warn', evidence: '502', fix: 'restart' },
        ],
      } as unknown as Awaited<ReturnType<Desktop['diagnoseProject']>>;
    },
    async repairProject(_s, id, options) {
      record('repairProject', id, options);
      return {
        actions: options?.dryRun
          ? []
          : [{ kind: 'restart', target: 'kong', reason: 'unhealthy', done: true }],
      } as unknown as Awaited<ReturnType<Desktop['repairProject']>>;
    },
    async openProject(_s, id, target) {
      record('openProject', id, target);
      return { url: `http://127.0.0.1:54321/${target}` };
    },
    async readLogs(_s, id, options) {
      record('readLogs', id, options);
      return [
        { service: 'auth', time: 't1', text: 'started', stream: 'stdout' },
        { service: 'kong', time: 't2', text: 'ready', stream: 'stdout' },
      ] as Awaited<ReturnType<Desktop['readLogs']>>;
    },
    async followLogs(_s, id, options) {
      record('followLogs', id, options);
      return { stream: 'st-1' };
    },
    async ackStream(stream, bytes) {
      record('ackStream', stream, bytes);
    },
    async closeStream(stream) {
      record('closeStream', stream);
    },
    async listUsers() {
      return fake.users.map((u) => ({ ...u }));
    },
    async createUser(_s, input) {
      record('createUser', input);
      const u = {
        username: input.username,
        role: input.role,
        disabled: false,
        grants: [],
        createdAt: '',
      };
      fake.users.push(u);
      return u;
    },
    async updateUser(_s, input) {
      record('updateUser', input);
      return user(input.username);
    },
    async deleteUser(_s, username) {
      record('deleteUser', username);
      fake.users = fake.users.filter((u) => u.username !== username);
    },
    async grantProject(_s, username, id) {
      record('grantProject', username, id);
      const u = user(username);
      u.grants = [...u.grants, id];
      return u;
    },
    async revokeProject(_s, username, id) {
      record('revokeProject', username, id);
      const u = user(username);
      u.grants = u.grants.filter((g) => g !== id);
      return u;
    },
    async listStaff() {
      return fake.staff.map((m) => ({ ...m }));
    },
    async addStaff(_s, input) {
      record('addStaff', input);
      if (!input.publicKey.startsWith('ssh-')) {
        throw new UltrabaseError('INVALID_PUBLIC_KEY', 'not an OpenSSH public key line');
      }
      const member: StaffMember = {
        username: input.username,
        uid: 1001 + fake.staff.length,
        keyType: input.publicKey.split(' ')[0]!,
        keyFingerprint: 'SHA256:' + 'k'.repeat(43),
        createdAt: '',
        agentUser: true,
      };
      const u = {
        username: input.username,
        role: input.role,
        disabled: false,
        grants: [],
        createdAt: '',
      };
      fake.staff.push(member);
      fake.users.push(u);
      return { member, user: u };
    },
    async removeStaff(_s, username) {
      record('removeStaff', username);
      if (!fake.staff.some((m) => m.username === username)) {
        throw new UltrabaseError('NOT_FOUND', `no staff member ${username}`);
      }
      fake.staff = fake.staff.filter((m) => m.username !== username);
      fake.users = fake.users.filter((u) => u.username !== username);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      record('close');
    },
  };
  return Object.assign(fake, methods);
}

export function pin(fingerprint: string): NonNullable<ServerView['hostKey']> {
  return { fingerprint, algorithm: 'ssh-ed25519', trustedAt: '2026-01-01T00:00:00.000Z' };
}

class Capture implements CliOutputStream {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 100,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  once(): this {
    return this;
  }
}

export interface FakeIo extends CliIo {
  stdout: Capture;
  stderr: Capture;
  /** Presses Ctrl-C. */
  interrupt(): void;
}

export function fakeIo(
  options: {
    tty?: boolean;
    env?: Record<string, string>;
    stdin?: string;
    onSleep?: () => void;
  } = {},
): FakeIo {
  const tty = options.tty ?? false;
  const stdin = new PassThrough() as PassThrough & CliInputStream;
  Object.assign(stdin, { isTTY: tty, setRawMode: () => stdin });
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else if (!tty) stdin.end();
  const listeners = new Set<() => void>();
  return {
    env: options.env ?? { LANG: 'C' },
    stdin,
    stdout: new Capture(tty),
    stderr: new Capture(tty),
    onInterrupt(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    interrupt() {
      for (const l of listeners) l();
    },
    async sleep() {
      options.onSleep?.();
      await new Promise((r) => setImmediate(r));
    },
    fileExists: () => false,
  };
}

export async function run(
  argv: string[],
  desktop: Desktop,
  io: FakeIo = fakeIo(),
): Promise<{ code: number; stdout: string; stderr: string; io: FakeIo }> {
  const code = await runCli(argv, { io, home: '/nonexistent', createDesktop: () => desktop });
  return { code, stdout: io.stdout.text, stderr: io.stderr.text, io };
}
