import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@protocol/error-codes';
import { DockerError, socketError } from './docker-error';

/** The Engine API version we speak: Docker 20.10 (API 1.41) and later understand it. */
export const ENGINE_API_VERSION = 'v1.41';

export interface EngineRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Milliseconds without any byte before the request fails with TIMEOUT (0 = none, for streams). */
  idleTimeoutMs?: number;
}

/**
 * The socket Docker listens on: `DOCKER_HOST=unix:///path` when set, else the default.
 * A TCP DOCKER_HOST is refused on purpose: the agent only talks to the local engine.
 */
export function dockerSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (host && host.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export function buildPath(path: string, query?: EngineRequest['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const qs = params.toString();
  return `/${ENGINE_API_VERSION}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * The byte pipe to the Engine API over its unix socket. Only this file does I/O, so everything
 * above it (the client, parsers, the lifecycle) can be tested against a fake transport.
 */
export interface EngineTransport {
  readonly socketPath: string;
  /** Full body, parsed as JSON when Docker says it is JSON. Non-2xx → DockerError. */
  json<T>(req: EngineRequest): Promise<{ status: number; body: T }>;
  /** A streaming response (logs, events, pulls, stats); the caller reads and destroys it. */
  stream(req: EngineRequest): Promise<IncomingMessage>;
}

export function createTransport(socketPath = dockerSocketPath()): EngineTransport {
  // No keep-alive agent: each request is one short connection, so a dockerd restart never
  // leaves us holding dead sockets.
  function open(req: EngineRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const r = http.request(
        {
          socketPath,
          agent: false,
          method: req.method ?? 'GET',
          path: buildPath(req.path, req.query),
          headers: {
            host: 'docker',
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => resolve(res),
      );
      r.on('error', (err: NodeJS.ErrnoException) => {
        reject(err instanceof DockerError ? err : socketError(err, socketPath));
      });
      if (req.idleTimeoutMs) {
        r.setTimeout(req.idleTimeoutMs, () => {
          r.destroy(
            new DockerError(
              ErrorCode.TIMEOUT,
              `Docker did not answer ${req.method ?? 'GET'} ${req.path} within ${req.idleTimeoutMs} ms.`,
              { path: req.path },
              true,
            ),
          );
        });
      }
      r.end(payload);
    });
  }

  async function readAll(res: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  return {
    socketPath,
    async json<T>(req: EngineRequest) {
      const res = await open({ idleTimeoutMs: 30_000, ...req });
      const text = await readAll(res);
      const status = res.statusCode ?? 0;
      if (status >= 400) throw httpError(status, text, req);
      const isJson = (res.headers['content-type'] ?? '').includes('json') && text.length > 0;
      return { status, body: (isJson ? JSON.parse(text) : text) as T };
    },
    async stream(req: EngineRequest) {
      const res = await open(req);
      const status = res.statusCode ?? 0;
      if (status >= 400) throw httpError(status, await readAll(res), req);
      return res;
    },
  };
}

/** Docker answers errors as `{"message": "..."}`; 5xx is worth a retry, 4xx is not. */
export function httpError(status: number, text: string, req: EngineRequest): DockerError {
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {}
  return new DockerError(
    ErrorCode.INTERNAL,
    `Docker refused ${req.method ?? 'GET'} ${req.path}: ${message || `HTTP ${status}`}`,
    { status, path: req.path },
    status >= 500,
  );
}
