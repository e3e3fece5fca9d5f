/**
 * DEV-ONLY PREVIEW FIXTURE. An in-browser stand-in for `window.ultrabase` with invented data, used
 * for two things only: `npx tsx test/harness/preview.ts` (look at every screen without servers)
 * and the renderer benchmark (`test/harness/bench.ts`: 200 cards, 100,000 log lines). The e2e
 * tests never load it: they bridge to the real core. URL parameters: `projects` (card count),
 * `lines` (log lines per stream), `theme`.
 */
import type {
  AppSettings,
  BulkJob,
  BulkJobSummary,
  DesktopApi,
  DesktopEvent,
  LogLine,
  ProgressEvent,
  ProjectView,
  ServerView,
  SettingValue,
} from '@contract/api';
import { previewAlerts } from './preview-alerts';
import type { DomainView, InstanceStatus, StaffMember } from '@protocol/types';

// Same window as the agent's log streams (protocol/rpc.ts LOG_STREAM_WINDOW_BYTES): the fixture
// throttles like it.
const STREAM_WINDOW_BYTES = 2 * 1024 * 1024;
const params = new URLSearchParams(location.search);
const projectCount = Number(params.get('projects') ?? 9);
const linesPerStream = Number(params.get('lines') ?? 400);
const listeners = new Set<(e: DesktopEvent) => void>();
const emit = (e: DesktopEvent) => setTimeout(() => listeners.forEach((l) => l(e)), 0);
const now = Date.now();
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
const error = (code: string, message: string, data?: Record<string, unknown>) =>
  Object.assign(new Error(message), { code, data });

const admin = {
  username: 'ana',
  role: 'admin' as const,
  disabled: false,
  grants: [],
  createdAt: iso(9e8),
};
const servers: ServerView[] = [
  {
    id: 'eu1',
    name: 'production-eu',
    kind: 'ssh',
    host: '203.0.113.10',
    port: 22,
    username: 'root',
    auth: 'key',
    keyPath: '~/.ssh/id_ed25519',
    agentUsername: 'ana',
    createdAt: iso(9e8),
    state: 'connected',
    agent: { version: '0.1.0', protocol: 1 },
    user: admin,
    hostKey: {
      fingerprint: 'SHA256:9yH0n3c5ZQm2r4lq0pDk6cBvD1m3rZx8m5oXf1T2kQw',
      algorithm: 'ssh-ed25519',
      trustedAt: iso(9e8),
    },
    secrets: { sshPassword: false, keyPassphrase: false, agentPassword: true },
  },
  {
    id: 'us1',
    name: 'staging-us',
    kind: 'ssh',
    host: '198.51.100.7',
    port: 22,
    username: 'deploy',
    auth: 'agent',
    agentUsername: 'ana',
    createdAt: iso(5e8),
    state: 'connected',
    agent: { version: '0.1.0', protocol: 1 },
    user: admin,
    secrets: { sshPassword: false, keyPassphrase: false, agentPassword: true },
  },
  {
    id: 'lab',
    name: 'lab-box',
    kind: 'ssh',
    host: 'lab.internal',
    port: 2222,
    username: 'root',
    auth: 'password',
    agentUsername: 'ana',
    createdAt: iso(2e8),
    state: 'reconnecting',
    error: { code: 'CONNECTION_LOST', message: 'Connection lost; retrying in 8 s.' },
    secrets: { sshPassword: true, keyPassphrase: false, agentPassword: true },
  },
];
const NAMES = [
  'acme-shop',
  'blog-prod',
  'crm-staging',
  'delta-api',
  'echo-chat',
  'fleet-tracker',
  'gamma-auth',
  'helio-cms',
  'ion-metrics',
];
const STATUSES: InstanceStatus[] = [
  'running',
  'running',
  'running',
  'stopped',
  'degraded',
  'running',
  'failed',
  'running',
  'creating',
];
/** Two releases as the agent lists them (newest first); the older one with a demo advisory. */
const PREVIEW_RELEASES = [
  {
    id: '2026.06.03',
    date: '2026-06-03',
    notes: [
      'Kong 3.9.1 replaces Kong 2.8.1.',
      'Auth v2.189.0, Realtime v2.102.3, Storage v1.60.4.',
    ],
    images: { auth: 'supabase/gotrue:v2.189.0', kong: 'kong/kong:3.9.1' },
    postgresMajor: 15,
    advisories: [
      {
        id: 'UB-DEMO-1',
        severity: 'high' as const,
        summary: 'Preview data: an issue of the older release that this one fixes.',
        affects: ['2026.02.16'],
      },
    ],
  },
  {
    id: '2026.02.16',
    date: '2026-02-16',
    notes: ['The first pinned stack.'],
    images: { auth: 'supabase/gotrue:v2.186.0', kong: 'kong:2.8.1' },
    postgresMajor: 15,
    advisories: [],
  },
];
const previewPlan = (id: string, from: string) => ({
  instanceId: id,
  from,
  to: PREVIEW_RELEASES[0]!.id,
  upToDate: from === PREVIEW_RELEASES[0]!.id,
  images:
    from === PREVIEW_RELEASES[0]!.id
      ? []
      : [
          { service: 'auth', from: 'supabase/gotrue:v2.186.0', to: 'supabase/gotrue:v2.189.0' },
          { service: 'kong', from: 'kong:2.8.1', to: 'kong/kong:3.9.1' },
        ],
  files: ['docker-compose.yml'],
  databaseChanges: false,
  notes: from === PREVIEW_RELEASES[0]!.id ? [] : PREVIEW_RELEASES[0]!.notes,
  fixes: from === PREVIEW_RELEASES[0]!.id ? [] : ['UB-DEMO-1'],
});

// `servers=3` spreads the projects over all three servers (the fleet benchmark: 500 over 3).
const serverSpread = Math.min(servers.length, Number(params.get('servers') ?? 2));
const CLIENTS = ['acme', 'padaria-sol', 'loja-bela', 'clinica-vida'];
const ENVS = ['prod', 'staging', 'dev'];
const projects: ProjectView[] = Array.from({ length: projectCount }, (_, i) => {
  const server = servers[i % serverSpread]!;
  const status = STATUSES[i % STATUSES.length]!;
  const p: ProjectView = {
    id: `p${String(i).padStart(4, '0')}`,
    name: i < NAMES.length ? NAMES[i]! : `${NAMES[i % NAMES.length]}-${i}`,
    owner: i % 3 === 0 ? 'bruno' : 'ana',
    status,
    createdAt: iso(i * 3.6e6),
    updatedAt: iso(i * 6e4),
    exposure: i % 4 === 0 ? 'public' : 'private',
    ports: {
      kongHttp: 8000 + i,
      kongHttps: 8400 + i,
      postgres: 5400 + i,
      poolerTransaction: 6400 + i,
    },
    urls: {
      studio: `http://127.0.0.1:${8000 + i}`,
      api: `http://127.0.0.1:${8000 + i}`,
      database: `postgresql://postgres@127.0.0.1:${5400 + i}/postgres`,
    },
    project: `ub_p${i}`,
    release: i % 3 === 0 ? PREVIEW_RELEASES[1]!.id : PREVIEW_RELEASES[0]!.id,
    tags: [`cliente:${CLIENTS[i % CLIENTS.length]}`, `env:${ENVS[i % ENVS.length]}`],
    serverId: server.id,
    serverName: server.name,
    services: [
      'db',
      'kong',
      'auth',
      'rest',
      'realtime',
      'storage',
      'meta',
      'studio',
      'supavisor',
    ].map((service) => ({
      service,
      state: status === 'stopped' ? 'exited' : 'running',
      health: status === 'degraded' && service === 'storage' ? 'unhealthy' : 'healthy',
      restarts: status === 'degraded' && service === 'storage' ? 4 : 0,
    })),
  };
  if (status === 'failed')
    p.error = {
      code: 'UNHEALTHY',
      reason: 'auth did not become healthy within 120 s.',
      service: 'auth',
      logs: [
        'level=fatal msg="failed to connect to database"',
        'dial tcp 172.20.0.2:5432: connect: connection refused',
      ],
      at: iso(5e5),
    };
  return p;
});
let settings: AppSettings = {
  theme: (params.get('theme') as AppSettings['theme']) ?? 'dark',
  defaultExposure: 'private',
  logTail: 500,
};
const staff: StaffMember[] = [];
const users = [
  admin,
  {
    username: 'bruno',
    role: 'user' as const,
    disabled: false,
    grants: ['p0001'],
    createdAt: iso(4e8),
  },
  { username: 'carla', role: 'user' as const, disabled: true, grants: [], createdAt: iso(3e8) },
];

const find = (sid: string, id: string) => {
  const p = projects.find((x) => x.serverId === sid && x.id === id);
  if (!p) throw error('NOT_FOUND', 'No such project.');
  return p;
};
const setStatus = (p: ProjectView, status: InstanceStatus) => {
  p.status = status;
  emit({ type: 'project.changed', project: { ...p } });
  return { ...p };
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bulkJobs = new Map<string, BulkJob>();
const summary = ({ items: _items, ...rest }: BulkJob): BulkJobSummary => rest;
/**
 * Yields one task, as the gap between two IPC messages does; not setTimeout(0), which browsers
 * clamp to 4 ms when nested and which capped this stream at 125,000 lines/s by itself.
 */
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });

// ---- log streams, flow-controlled like the agent: stop when a window is unacknowledged ----
const streams = new Map<
  string,
  { unacked: number; sent: number; total: number; closed: boolean; resume?: () => void }
>();
let streamSeq = 0;
const MESSAGES = [
  'GET /rest/v1/todos?select=* 200 12ms',
  '\x1b[32mINFO\x1b[0m checkpoint complete: wrote 42 buffers (0.3%)',
  '\x1b[33mWARN\x1b[0m slow query: 812 ms SELECT * FROM orders WHERE created_at > $1',
  'POST /auth/v1/token?grant_type=password 200 48ms',
  '\x1b[31mERROR\x1b[0m connection reset by peer (client 10.0.0.14)',
  'realtime: tenant realtime-dev joined channel room:lobby',
];
async function pumpStream(id: string, service: string | undefined): Promise<void> {
  const s = streams.get(id)!;
  const services = service ? [service] : ['db', 'kong', 'auth', 'rest', 'realtime', 'storage'];
  while (!s.closed && s.sent < s.total) {
    if (s.unacked >= STREAM_WINDOW_BYTES) {
      await new Promise<void>((r) => (s.resume = r));
      continue;
    }
    const n = Math.min(500, s.total - s.sent);
    const lines: LogLine[] = [];
    for (let i = 0; i < n; i++) {
      const k = s.sent + i;
      lines.push({
        service: services[k % services.length]!,
        stream: k % 17 === 0 ? 'stderr' : 'stdout',
        time: new Date(now + k).toISOString(),
        text: `${MESSAGES[k % MESSAGES.length]} #${k}`,
      });
    }
    const bytes = JSON.stringify(lines).length;
    s.sent += n;
    s.unacked += bytes;
    listeners.forEach((l) => l({ type: 'stream.data', stream: id, lines, bytes }));
    await nextTask();
  }
  if (!s.closed && params.get('end') === '1')
    listeners.forEach((l) => l({ type: 'stream.end', stream: id }));
}

function progressFor(instanceId: string): ProgressEvent[] {
  const steps: [ProgressEvent['step'], Partial<ProgressEvent>][] = [
    ['queued', { status: 'done' }],
    ['validate', { status: 'done' }],
    ['resources', { status: 'done' }],
    ['docker', { status: 'done' }],
    ['ports', { status: 'done', message: 'API 8008 · Postgres 5408' }],
    ['credentials', { status: 'done' }],
    ['files', { status: 'done' }],
    ['pull', { status: 'progress', image: 'supabase/postgres:15.8.1.085', percent: 100 }],
    ['pull', { status: 'progress', image: 'kong:2.8.1', percent: 100 }],
    ['pull', { status: 'progress', image: 'supabase/studio:2025.06.30', percent: 64 }],
    ['pull', { status: 'progress', image: 'supabase/realtime:v2.34.47', percent: 22 }],
  ];
  return steps.map(([step, e], i) => ({
    instanceId,
    seq: i + 1,
    at: iso(1e4 - i * 500),
    step,
    status: 'progress',
    ...e,
  }));
}

/** Settings of every preview project (one shared set is enough for the preview). */
const previewSettings: { values: Record<string, SettingValue>; secretsSet: string[] } = {
  values: {
    'auth.siteUrl': 'http://localhost:3000',
    'auth.redirectUrls': [],
    'auth.disableSignup': false,
    'auth.emailAutoconfirm': false,
    'auth.anonymousSignIns': false,
    'auth.jwtExpiry': 3600,
    'smtp.host': 'supabase-mail',
    'smtp.port': 2500,
    'smtp.user': 'fake_mail_user',
    'smtp.adminEmail': 'admin@example.com',
    'smtp.senderName': 'fake_sender',
    'api.schemas': ['public', 'storage', 'graphql_public'],
    'api.maxRows': 1000,
    'storage.fileSizeLimit': 52428800,
  },
  secretsSet: [],
};

/** Custom domains per project id, added in the preview. */
const previewDomains = new Map<string, DomainView[]>();

const api: DesktopApi = {
  listServers: async () => servers.map((s) => ({ ...s })),
  addServer: async (input) => {
    const s: ServerView = {
      id: `s${servers.length + 1}`,
      name: input.name,
      kind: 'ssh',
      host: input.host,
      port: input.port ?? 22,
      username: input.username ?? 'root',
      auth: input.auth,
      agentUsername: input.agentUsername ?? 'admin',
      createdAt: new Date().toISOString(),
      state: 'disconnected',
      secrets: { sshPassword: false, keyPassphrase: false, agentPassword: false },
    };
    servers.push(s);
    return s;
  },
  updateServer: async (id, patch) =>
    Object.assign(
      servers.find((s) => s.id === id)!,
      patch,
    ),
  removeServer: async (id) =>
    void servers.splice(
      servers.findIndex((s) => s.id === id),
      1,
    ),
  readSshConfig: async () => [
    { alias: 'prod', hostName: '203.0.113.10', user: 'root', identityFile: '~/.ssh/id_ed25519' },
    { alias: 'bastion', hostName: 'bastion.example.com', port: 2222 },
  ],
  connectServer: async (id) => {
    const s = servers.find((x) => x.id === id)!;
    if (!s.hostKey)
      throw error('HOST_KEY_UNKNOWN', 'Unknown host key.', {
        host: s.host,
        port: s.port,
        algorithm: 'ssh-ed25519',
        fingerprint: 'SHA256:uQ1a8f3Xk2mNnR0p7s9LcVb4E6w5Tz1yHq2dJkLm0Po',
      });
    if (params.get('changed') === '1')
      throw error('HOST_KEY_CHANGED', 'The host key changed.', {
        expected: s.hostKey.fingerprint,
        actual: 'SHA256:Zr4Kq9Wm1Ae7Lx0Bv2Nc5Ty8Ud3Io6Pj1Hs4Gf7Dk2Q',
      });
    s.state = 'connected';
    return { ...s };
  },
  trustHostKey: async (id, fingerprint) => {
    const s = servers.find((x) => x.id === id)!;
    s.hostKey = { fingerprint, algorithm: 'ssh-ed25519', trustedAt: new Date().toISOString() };
    return { ...s };
  },
  disconnectServer: async (id) => void (servers.find((s) => s.id === id)!.state = 'disconnected'),
  serverResources: async () => ({
    cpus: 8,
    load1: 2.4,
    memoryTotalMb: 32_000,
    memoryAvailableMb: 11_800,
    diskTotalMb: 400_000,
    diskFreeMb: 228_000,
    instances: 9,
    maxInstances: 20,
    fitsMore: 7,
    thresholds: { minFreeMemoryMb: 1024, minFreeDiskMb: 2048, maxLoadPerCore: 2 },
    agentVersion: '0.1.0',
    dockerVersion: '26.1.5',
    composeVersion: '2.27.0',
  }),
  serverCapacity: async () => ({
    memoryTotalMb: 32_000,
    overcommit: 2,
    memoryAllowedMb: 64_000,
    memoryCommittedMb: 27_072,
    memoryFreeMb: 36_928,
    projectsBySize: { small: 3, medium: 5, large: 1, custom: 0, none: 0 },
    fits: { small: 24, medium: 12, large: 6 },
    networks: { pool: '10.231.0.0/16', subnetPrefix: 27, used: 9, capacity: 2048 },
    portsLeft: { kongHttp: 391, kongHttps: 391, postgres: 391, poolerTransaction: 391 },
  }),
  serverAudit: async () =>
    [
      'instances.create acme-shop',
      'instances.stop crm-staging',
      'users.create bruno',
      'instances.repair delta-api',
      'auth.login ana',
    ].map((a, i) => ({
      seq: 10 - i,
      at: iso(i * 7e5),
      actor: i === 2 ? 'ana' : i === 3 ? 'scheduler' : 'ana',
      action: a.split(' ')[0]!,
      target: a.split(' ')[1],
      result: i === 3 ? ('error' as const) : ('ok' as const),
    })),
  listProjects: async (sid) => {
    // The fleet benchmark times the table from here to its rows in the DOM.
    performance.mark('ub-projects-listed');
    return projects.filter((p) => !sid || p.serverId === sid).map((p) => ({ ...p }));
  },
  createProject: async (sid, input) => {
    if (projects.some((p) => p.name === input.name))
      throw error('INVALID_NAME', `A project named "${input.name}" already exists on this server.`);
    const s = servers.find((x) => x.id === sid)!;
    const p = {
      ...projects[0]!,
      id: `n${projects.length}`,
      name: input.name,
      status: 'creating' as const,
      serverId: sid,
      serverName: s.name,
    };
    projects.push(p);
    setTimeout(
      () =>
        progressFor(p.id).forEach((event) =>
          emit({ type: 'project.progress', serverId: sid, event }),
        ),
      200,
    );
    return { project: p, queuePosition: 0 };
  },
  projectProgress: async (_sid, id) => ({ events: progressFor(id), finished: false }),
  setProjectTags: async (sid, id, tags) => {
    const p = find(sid, id);
    p.tags = [...new Set(tags.map((x) => x.trim().toLowerCase()))].sort();
    emit({ type: 'project.changed', project: { ...p } });
    return { ...p };
  },
  // A bulk job played out like the agent's: a few items at a time, an event per change.
  startBulk: async (sid, action, ids) => {
    const job: BulkJob = {
      id: `b${Date.now().toString(36)}`,
      action,
      actor: 'ana',
      createdAt: new Date().toISOString(),
      total: ids.length,
      done: 0,
      failed: 0,
      skipped: 0,
      items: ids.map((id) => ({ instanceId: id, name: find(sid, id).name, status: 'pending' })),
    };
    bulkJobs.set(job.id, job);
    void (async () => {
      for (const item of job.items) {
        item.status = 'running';
        emit({ type: 'bulk.progress', serverId: sid, job: summary(job), item: { ...item } });
        await wait(150);
        const failed = find(sid, item.instanceId).status === 'failed';
        item.status = failed ? 'failed' : 'done';
        if (failed) item.error = { code: 'INVALID_STATE', message: 'Its creation failed.' };
        else job.done += 1;
        job.failed += failed ? 1 : 0;
        emit({ type: 'bulk.progress', serverId: sid, job: summary(job), item: { ...item } });
      }
      job.finishedAt = new Date().toISOString();
      emit({ type: 'bulk.progress', serverId: sid, job: summary(job) });
    })();
    return structuredClone(job);
  },
  bulkJob: async (_sid, id) => structuredClone(bulkJobs.get(id)!),
  startProject: async (sid, id) => (await wait(600), setStatus(find(sid, id), 'running')),
  stopProject: async (sid, id) => (await wait(600), setStatus(find(sid, id), 'stopped')),
  restartProject: async (sid, id) => (await wait(900), setStatus(find(sid, id), 'running')),
  cancelCreation: async (sid, id) => (await wait(600), setStatus(find(sid, id), 'failed')),
  deleteProject: async (sid, id) => {
    await wait(600);
    projects.splice(projects.indexOf(find(sid, id)), 1);
  },
  projectCredentials: async (sid, id) => {
    const p = find(sid, id);
    return {
      postgresPassword: '3f9c2b7e41d08a6c5e7f1a2b9d4c6e80',
      jwtSecret: 'preview-only-jwt-secret-not-real-0123456789',
      anonKey: 'eyJhbGciOiJIUzI1NiJ9.preview-anon',
      serviceRoleKey: 'eyJhbGciOiJIUzI1NiJ9.preview-service',
      dashboardUsername: 'supabase',
      dashboardPassword: 'preview-password',
      databaseUrl: p.urls.database,
      poolerTransactionUrl: p.urls.database.replace(
        String(p.ports.postgres),
        String(p.ports.poolerTransaction),
      ),
    };
  },
  diagnoseProject: async (_sid, id) => ({
    instanceId: id,
    at: new Date().toISOString(),
    status: 'fail',
    durationMs: 842,
    checks: [
      {
        id: 'containers',
        title: 'Every container is running',
        status: 'fail',
        evidence: 'rest: exited (137), restarts 0',
        fix: 'Repair restarts the stopped container.',
        service: 'rest',
      },
      {
        id: 'kong-rest',
        title: 'REST answers through Kong',
        status: 'fail',
        evidence: 'GET /rest/v1/ → 502 Bad Gateway',
        service: 'rest',
      },
      {
        id: 'storage-health',
        title: 'Storage /status',
        status: 'warn',
        evidence: '4 restarts in the last hour',
        fix: 'Check the storage logs for the crash reason.',
        service: 'storage',
      },
      {
        id: 'auth-health',
        title: 'Auth /health',
        status: 'ok',
        evidence: '200 in 11 ms',
        service: 'auth',
      },
      {
        id: 'postgres',
        title: 'Postgres SELECT 1 with the project password',
        status: 'ok',
        evidence: '1 row in 3 ms',
        service: 'db',
      },
      {
        id: 'jwt',
        title: 'anon and service_role keys accepted',
        status: 'ok',
        evidence: 'both 200',
      },
      { id: 'disk', title: 'Disk on the data directory', status: 'ok', evidence: '228 GB free' },
    ],
  }),
  repairProject: async (_sid, id, o) => {
    await wait(400);
    const actions = [
      { kind: 'restart-container' as const, target: 'rest', reason: 'exited with code 137' },
      {
        kind: 'rerender-file' as const,
        target: 'volumes/api/kong.yml',
        reason: 'differs from the registry',
      },
    ];
    return o?.dryRun
      ? { instanceId: id, dryRun: true, actions }
      : { instanceId: id, dryRun: false, actions: actions.map((a) => ({ ...a, done: true })) };
  },
  projectSettings: async () => ({ ...previewSettings }),
  setProjectSettings: async (_sid, _id, changes, o) => {
    await wait(300);
    const keys = Object.keys(changes).filter(
      (k) => JSON.stringify(previewSettings.values[k]) !== JSON.stringify(changes[k]),
    );
    const services = keys.some((k) => k.startsWith('api.'))
      ? ['auth', 'rest', 'studio']
      : keys.length > 0
        ? ['auth']
        : [];
    if (!o?.dryRun) {
      for (const [k, v] of Object.entries(changes)) {
        if (/\.(password|secret|authToken)$/.test(k)) {
          if (v) previewSettings.secretsSet = [...new Set([...previewSettings.secretsSet, k])];
        } else if (v !== null) previewSettings.values = { ...previewSettings.values, [k]: v };
      }
    }
    return {
      plan: { keys, files: keys.length ? ['docker-compose.yml'] : [], services },
      dryRun: o?.dryRun === true,
      settings: { ...previewSettings },
    };
  },
  rotateProjectSecret: async (_sid, _id, secret, o) => {
    await wait(400);
    const services = secret === 'dashboard-password' ? ['kong'] : ['db', 'kong', 'auth', 'rest'];
    return {
      plan: { keys: [`secrets.${secret}`], files: ['.env'], services },
      dryRun: o?.dryRun === true,
    };
  },
  projectDomains: async (_sid, id) => (previewDomains.get(id) ?? []).map((d) => ({ ...d })),
  addProjectDomain: async (_sid, id, hostname, options) => {
    await wait(300);
    const domain: DomainView = {
      hostname,
      target: options?.target ?? 'api',
      hsts: options?.hsts ?? false,
      studioAllowIps: options?.studioAllowIps ?? [],
      addedAt: new Date().toISOString(),
      addedBy: 'ana',
      records: [{ type: 'A', name: hostname, value: '203.0.113.10' }],
      certificate: { state: 'pending' },
    };
    previewDomains.set(id, [...(previewDomains.get(id) ?? []), domain]);
    return domain;
  },
  removeProjectDomain: async (_sid, id, hostname) => {
    previewDomains.set(
      id,
      (previewDomains.get(id) ?? []).filter((d) => d.hostname !== hostname),
    );
  },
  updateProjectDomain: async (_sid, id, hostname, change) => {
    const list = (previewDomains.get(id) ?? []).map((d) =>
      d.hostname === hostname ? { ...d, ...change } : d,
    );
    previewDomains.set(id, list);
    return { ...list.find((d) => d.hostname === hostname)! };
  },
  serverDomains: async () =>
    [...previewDomains.entries()].flatMap(([instanceId, list]) =>
      list.map((domain) => ({ instanceId, instanceName: instanceId, domain: { ...domain } })),
    ),
  projectDatabaseAccess: async () => ({ enabled: false, port: 54322 }),
  setProjectDatabaseAccess: async (_sid, _id, enabled) => {
    await wait(300);
    return enabled
      ? {
          enabled: true,
          hostname: 'api.example.test',
          port: 54322,
          uri: 'postgresql://postgres@api.example.test:54322/postgres?sslmode=verify-full',
        }
      : { enabled: false, port: 54322 };
  },
  sendTestEmail: async () => {
    await wait(300);
    return { messageId: '<preview@ultrabase>' };
  },
  stackReleases: async () => ({
    releases: PREVIEW_RELEASES,
    newest: PREVIEW_RELEASES[0]!.id,
    legacy: PREVIEW_RELEASES[1]!.id,
  }),
  upgradePlan: async (sid, id) => previewPlan(id, find(sid, id).release ?? PREVIEW_RELEASES[1]!.id),
  upgradeProject: async (sid, id) => {
    const p = find(sid, id);
    const plan = previewPlan(id, p.release ?? PREVIEW_RELEASES[1]!.id);
    setStatus(p, 'restarting');
    await wait(1500);
    p.release = plan.to;
    return { project: setStatus(p, 'running'), plan };
  },
  // As an agent whose releases all run Postgres 15: no major upgrade to offer.
  upgradePostgresPlan: async () => {
    throw error(
      'RELEASE_NOT_FOUND',
      'No stack release on this server runs a Postgres newer than 15.',
    );
  },
  upgradePostgres: async () => {
    throw error(
      'RELEASE_NOT_FOUND',
      'No stack release on this server runs a Postgres newer than 15.',
    );
  },
  reshapeProject: async (_sid, id) => ({ ...projects.find((p) => p.id === id)! }),
  projectUsageHistory: async () => {
    // A day of 5-minute samples with a busy evening, so the Usage sparklines have a shape.
    const now = Date.now();
    const samples = Array.from({ length: 288 }, (_, i) => {
      const busy = i > 200 && i < 230 ? 60 : 0;
      return {
        at: now - (287 - i) * 300_000,
        cpuPercent: 4 + busy + (i % 7),
        memoryMb: 900 + (i % 30) * 4,
        netRxKb: 200 + (i % 11) * 20,
        netTxKb: 100 + (i % 5) * 30,
        diskMb: 0,
      };
    });
    return { samples, intervalMs: 300_000 };
  },
  planReshapeProject: async () => ({
    plan: { keys: ['size'], files: ['docker-compose.yml'], services: ['db', 'auth', 'rest'] },
    dryRun: true,
  }),
  projectStats: async () =>
    ['db', 'kong', 'auth', 'rest', 'realtime', 'storage', 'studio'].map((service, i) => ({
      service,
      cpuPercent: [3.2, 0.8, 0.3, 0.4, 1.1, 0.2, 0.9][i]!,
      memoryBytes: [180, 96, 24, 18, 140, 70, 210][i]! * 2 ** 20,
      memoryLimitBytes: 2 ** 31,
      networkRxBytes: 1e6 * (i + 1),
      networkTxBytes: 2e6 * (i + 1),
    })),
  openProject: async (sid, id, target) => ({
    url: target === 'studio' ? find(sid, id).urls.studio : find(sid, id).urls.api,
  }),
  followLogs: async (_sid, _id, o) => {
    const id = `st${++streamSeq}`;
    streams.set(id, { unacked: 0, sent: 0, total: linesPerStream, closed: false });
    setTimeout(() => void pumpStream(id, o?.service), 0);
    return { stream: id };
  },
  ackStream: async (id, bytes) => {
    const s = streams.get(id);
    if (!s) return;
    s.unacked = Math.max(0, s.unacked - bytes);
    const r = s.resume;
    s.resume = undefined;
    r?.();
  },
  closeStream: async (id) => {
    const s = streams.get(id);
    if (!s) return;
    s.closed = true;
    s.resume?.();
  },
  listUsers: async () => users.map((u) => ({ ...u })),
  createUser: async (_sid, input) => {
    const u = {
      username: input.username,
      role: input.role,
      disabled: false,
      grants: [],
      createdAt: new Date().toISOString(),
    };
    users.push(u);
    return u;
  },
  updateUser: async (_sid, input) =>
    Object.assign(
      users.find((u) => u.username === input.username)!,
      input,
    ),
  deleteUser: async (_sid, name) =>
    void users.splice(
      users.findIndex((u) => u.username === name),
      1,
    ),
  grantProject: async (_sid, name, id) => {
    const u = users.find((x) => x.username === name)!;
    u.grants = [...u.grants, id];
    return { ...u };
  },
  revokeProject: async (_sid, name, id) => {
    const u = users.find((x) => x.username === name)!;
    u.grants = u.grants.filter((g) => g !== id);
    return { ...u };
  },
  listStaff: async () => staff.map((m) => ({ ...m })),
  addStaff: async (_sid, input) => {
    const member: StaffMember = {
      username: input.username,
      uid: 1001 + staff.length,
      keyType: input.publicKey.split(' ')[0] ?? 'ssh-ed25519',
      keyFingerprint: 'SHA256:' + 'c'.repeat(43),
      createdAt: new Date().toISOString(),
      agentUser: true,
    };
    staff.push(member);
    const user = {
      username: input.username,
      role: input.role,
      disabled: false,
      grants: [],
      createdAt: member.createdAt,
    };
    users.push(user);
    return { member: { ...member }, user: { ...user } };
  },
  removeStaff: async (_sid, name) => {
    staff.splice(
      staff.findIndex((m) => m.username === name),
      1,
    );
    users.splice(
      users.findIndex((u) => u.username === name),
      1,
    );
  },
  getSettings: async () => settings,
  updateSettings: async (patch) => (settings = { ...settings, ...patch }),
  ...previewAlerts(),
  // backups: two invented backups per project, jobs that finish at once
  listBackups: async (_sid, instanceId) =>
    [0, 1].map((i) => ({
      id: `b2026120${2 - i}t030000z-a1b2c${i}`,
      kind: 'scheduled' as const,
      instanceId,
      instanceName: instanceId,
      startedAt: iso(86_400_000 * i + 3_600_000),
      finishedAt: iso(86_400_000 * i + 3_590_000),
      durationMs: 10_000 + i * 1200,
      bytes: 48_000_000 - i * 400_000,
      added: { local: 2_100_000 },
      destinations: ['local'],
      tables: 41,
      rows: 120_000,
      files: 50,
      ...(i === 1 ? { verifiedAt: iso(80_000_000) } : {}),
    })),
  createBackup: async () => ({ jobId: 'j0000000001', queuePosition: 0 }),
  restoreBackup: async () => ({ jobId: 'j0000000002', queuePosition: 0 }),
  cloneBackup: async (sid) => ({
    jobId: 'j0000000003',
    queuePosition: 0,
    project: (await api.listProjects(sid))[0]!,
  }),
  verifyBackup: async () => ({ jobId: 'j0000000004', queuePosition: 0 }),
  backupJob: async () => ({ instanceId: 'x', events: [], finished: true }),
  listBackupDestinations: async () => [
    { id: 'local', kind: 'local' as const, name: 'This server' },
  ],
  saveBackupKey: async () => ({ stored: true as const }),
  // issue 17: a download that finishes at once; the server-wide view from the projects
  downloadBackup: async () => ({ downloadId: 'dl0000000001' }),
  cancelBackupDownload: async () => ({ ok: true as const }),
  backupDownload: async (downloadId) => ({
    downloadId,
    serverId: 's1',
    instanceId: 'x',
    backupId: 'b20261202t030000z-a1b2c0',
    dir: '/home/ana/Downloads/x-b20261202t030000z-a1b2c0',
    bytes: 48_000_000,
    totalBytes: 48_000_000,
    finished: true,
  }),
  serverBackups: async (sid) =>
    (await api.listProjects(sid)).map((p, i) => ({
      instanceId: p.id,
      name: p.name,
      count: i === 0 ? 0 : 2,
      schedule:
        i === 0
          ? null
          : {
              frequency: 'daily' as const,
              retention: { last: 3 },
              drill: 'weekly' as const,
              since: iso(86_400_000 * 30),
            },
      ...(i === 0
        ? {}
        : {
            last: {
              id: 'b20261202t030000z-a1b2c0',
              startedAt: iso(3_600_000),
              bytes: 48_000_000,
              destinations: ['local'],
            },
          }),
    })),
  addBackupDestination: async (_sid, input) => ({
    id: 'd0000000001',
    kind: input.kind,
    name: input.name,
  }),
  removeBackupDestination: async () => ({ ok: true as const }),
  cloneBackupToServer: async (_sid, _id, options) => ({
    jobId: 'j0000000005',
    queuePosition: 0,
    project: (await api.listProjects(options.toServer))[0]!,
    backupId: options.backupId ?? 'b20261202t0700z-abc',
  }),
  // Import of a pg_dump: the preview shows a finished import of a small project.
  startDumpImport: async () => ({ importId: 'i000000000001' }),
  dumpImportStatus: async (importId) => ({
    serverId: importId,
    finished: true,
    progress: { phase: 'done' as const, bytes: 5e6, totalBytes: 5e6, files: 12, totalFiles: 12 },
    report: {
      dumpBytes: 4_800_000,
      errorCount: 2,
      errors: [{ line: 41, message: 'schema "auth" already exists' }],
      files: 12,
      fileBytes: 200_000,
      durationMs: 9_000,
    },
  }),
  cancelDumpImport: async () => ({ ok: true as const }),
  chooseImportPath: async (kind) => (kind === 'dump' ? '/home/ana/old-project.sql' : null),
  backupSchedule: async () => ({
    frequency: 'daily' as const,
    retention: { daily: 7, weekly: 4, monthly: 6 },
    drill: 'weekly' as const,
    since: iso(30 * 86_400_000),
  }),
  onEvent: (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

Object.defineProperty(window, 'ultrabase', { value: api });
