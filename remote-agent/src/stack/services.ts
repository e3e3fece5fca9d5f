/**
 * The services of the official Supabase self-hosting kit, as other parts of the agent need to
 * know them: the Docker lifecycle waits for `required` ones, diagnostics probe `probe`.
 */
export type StackServiceName =
  | 'db'
  | 'kong'
  | 'auth'
  | 'rest'
  | 'realtime'
  | 'storage'
  | 'imgproxy'
  | 'meta'
  | 'functions'
  | 'studio'
  | 'supavisor'
  | 'analytics'
  | 'vector';

export interface StackService {
  name: StackServiceName;
  title: string;
  /** The instance is not `running` until this service is (healthy, if it has a healthcheck). */
  required: boolean;
  /** The compose file defines a healthcheck: wait for `healthy`, not just `running`. */
  healthcheck: boolean;
  /** Present only when the instance has logs enabled (off by default). */
  logsOnly: boolean;
  /** An HTTP endpoint inside the instance network; any HTTP answer means the process is up. */
  probe?: { port: number; path: string };
}

export const STACK_SERVICES: readonly StackService[] = [
  { name: 'db', title: 'Postgres', required: true, healthcheck: true, logsOnly: false },
  {
    name: 'kong',
    title: 'API gateway (Kong)',
    required: true,
    healthcheck: true,
    logsOnly: false,
    probe: { port: 8000, path: '/' },
  },
  {
    name: 'auth',
    title: 'Auth (GoTrue)',
    required: true,
    healthcheck: true,
    logsOnly: false,
    probe: { port: 9999, path: '/health' },
  },
  {
    name: 'rest',
    title: 'REST (PostgREST)',
    required: true,
    healthcheck: false,
    logsOnly: false,
    probe: { port: 3000, path: '/' },
  },
  {
    name: 'realtime',
    title: 'Realtime',
    required: true,
    healthcheck: true,
    logsOnly: false,
    probe: { port: 4000, path: '/api/tenants/realtime-dev/health' },
  },
  {
    name: 'storage',
    title: 'Storage',
    required: true,
    healthcheck: true,
    logsOnly: false,
    probe: { port: 5000, path: '/status' },
  },
  {
    name: 'imgproxy',
    title: 'Image transformations (imgproxy)',
    required: true,
    healthcheck: true,
    logsOnly: false,
    probe: { port: 5001, path: '/health' },
  },
  {
    name: 'meta',
    title: 'Postgres meta API',
    required: true,
    healthcheck: false,
    logsOnly: false,
    probe: { port: 8080, path: '/health' },
  },
  {
    name: 'functions',
    title: 'Edge functions',
    required: true,
    healthcheck: false,
    logsOnly: false,
    probe: { port: 9000, path: '/hello' },
  },
  {
    name: 'studio',
    title: 'Studio',
    required: true,
    healthcheck: true,
    logsOnly: false,
    probe: { port: 3000, path: '/api/platform/profile' },
  },
  {
    name: 'supavisor',
    title: 'Connection pooler (Supavisor)',
    required: true,
    healthcheck: true,
    logsOnly: false,
    probe: { port: 4000, path: '/api/health' },
  },
  {
    name: 'analytics',
    title: 'Logs (Logflare)',
    required: true,
    healthcheck: true,
    logsOnly: true,
    probe: { port: 4000, path: '/health' },
  },
  {
    name: 'vector',
    title: 'Log collector (Vector)',
    required: true,
    healthcheck: true,
    logsOnly: true,
    probe: { port: 9001, path: '/health' },
  },
];

/** The services an instance runs. */
export function stackServices(enableLogs = false): StackService[] {
  return STACK_SERVICES.filter((s) => enableLogs || !s.logsOnly);
}
