import type { DesktopApi, DesktopEvent, ProjectView, ServerView } from '@contract/api';

/**
 * A small injected fake for store unit tests: only the methods a test provides exist; any other
 * call fails loudly, so a test cannot pass by accident through a method it did not expect.
 */
export function testApi(
  methods: Partial<DesktopApi>,
): DesktopApi & { emit(e: DesktopEvent): void; calls: string[] } {
  const listeners = new Set<(e: DesktopEvent) => void>();
  const calls: string[] = [];
  const target = {
    calls,
    emit: (e: DesktopEvent) => listeners.forEach((l) => l(e)),
    onEvent: (l: (e: DesktopEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return new Proxy(target, {
    get(t, prop: string) {
      if (prop in t) return t[prop as keyof typeof t];
      const fn = (methods as Record<string, unknown>)[prop];
      if (typeof fn !== 'function')
        return () => Promise.reject(new Error(`unexpected call ${prop}`));
      return (...args: unknown[]) => {
        calls.push(prop);
        return (fn as (...a: unknown[]) => unknown)(...args);
      };
    },
  }) as unknown as DesktopApi & { emit(e: DesktopEvent): void; calls: string[] };
}

export function apiError(code: string, message: string, data?: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { code, data });
}

export function server(patch: Partial<ServerView> = {}): ServerView {
  return {
    id: 's1',
    name: 'vps-1',
    kind: 'ssh',
    host: '203.0.113.10',
    port: 22,
    username: 'root',
    auth: 'key',
    agentUsername: 'admin',
    createdAt: '2026-01-01T00:00:00Z',
    state: 'disconnected',
    secrets: { sshPassword: false, keyPassphrase: false, agentPassword: true },
    ...patch,
  };
}

export function project(patch: Partial<ProjectView> = {}): ProjectView {
  return {
    id: 'i1',
    name: 'alpha',
    owner: 'admin',
    status: 'running',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    exposure: 'private',
    ports: { kongHttp: 8000, kongHttps: 8400, postgres: 5400, poolerTransaction: 6400 },
    urls: {
      studio: 'http://127.0.0.1:8000',
      api: 'http://127.0.0.1:8000',
      database: 'postgres://postgres@127.0.0.1:5400/postgres',
    },
    project: 'ub_i1',
    serverId: 's1',
    serverName: 'vps-1',
    ...patch,
  };
}
