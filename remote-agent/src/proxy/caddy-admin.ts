import http from 'node:http';

export interface CaddyAdmin {
  /** Replaces the running config; Caddy keeps its listeners and lets requests in flight finish. */
  load(config: unknown): Promise<void>;
  /** Resolves once the admin endpoint answers (the container has started), else rejects. */
  waitReady(timeoutMs: number): Promise<void>;
}

/**
 * Caddy's admin API on its unix socket (inside the proxy's own folder, which only root reads):
 * no TCP port to collide with or to expose. Caddy checks the Host header of admin requests and
 * accepts the empty one on a socket, so the client sends exactly that.
 */
export function caddyAdmin(socketPath: string): CaddyAdmin {
  const request = (method: string, path: string, body?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          socketPath,
          path,
          method,
          setHost: false,
          headers: {
            Host: '',
            ...(body !== undefined
              ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }
              : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('the proxy’s admin API did not answer')));
      req.on('error', reject);
      req.end(body);
    });

  return {
    async load(config) {
      const { status, text } = await request('POST', '/load', JSON.stringify(config));
      if (status !== 200) throw new Error(`Caddy refused the configuration: ${errorOf(text)}`);
    },
    async waitReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const answered = await request('GET', '/config/').then(
          (r) => r.status === 200,
          () => false,
        );
        if (answered) return;
        if (Date.now() > deadline) throw new Error('the proxy did not start its admin API');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}

function errorOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {}
  return text.slice(0, 500);
}
