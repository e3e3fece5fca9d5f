// The HTTP plumbing every stand-in shares: one access-log line per request, JSON answers, bodies
// with a size limit, and the fault modes the fault-injection tests select through STANDIN_FAULT.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { countRequest, describe, logError, logInfo } from './log';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown;

/** `unhealthy`: health endpoints answer 503 forever; `hang`: they never answer at all. */
export type Fault = 'unhealthy' | 'hang' | 'crashloop' | undefined;

export function currentFault(): Fault {
  const fault = process.env.STANDIN_FAULT;
  return fault === 'unhealthy' || fault === 'hang' || fault === 'crashloop' ? fault : undefined;
}

export function serveHttp(port: number, handler: Handler): Server {
  const server = createServer((req, res) => {
    const started = Date.now();
    countRequest();
    res.on('finish', () => {
      logInfo(`${req.method ?? '?'} ${req.url ?? ''} ${res.statusCode} ${Date.now() - started}ms`);
    });
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((error: unknown) => {
        logError(`request ${req.method ?? '?'} ${url.pathname} failed: ${describe(error)}`);
        if (!res.headersSent) sendJson(res, 500, { message: describe(error) });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 5000;
  listenOrExit(server, port);
  return server;
}

export function listenOrExit(server: NetServer, port: number): void {
  server.on('error', (error: Error) => {
    logError(`cannot listen on port ${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Applies the fault mode to a health endpoint. Returns false when the fault already answered
 * (or deliberately never will).
 */
export function passHealthFault(res: ServerResponse): boolean {
  const fault = currentFault();
  if (fault === 'hang') return false;
  if (fault === 'unhealthy') {
    sendJson(res, 503, { message: 'unhealthy (STANDIN_FAULT=unhealthy)' });
    return false;
  }
  return true;
}

/** The bearer token of a request, from `Authorization: Bearer …`. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}
