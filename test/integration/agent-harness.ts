// A small, real client for the agent's JSON-RPC wire and a launcher for the bundled daemon,
// shared by test/integration/agent-*.test.ts. No mocks: it speaks newline-delimited JSON
// over a unix socket or a child's stdio exactly as the desktop does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = path.join(ROOT, 'dist/agent/agent.cjs');

export function buildAgent(): void {
  const r = spawnSync('node', ['scripts/build.mjs', 'agent'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`agent build failed:\n${r.stderr}`);
}

export interface RpcErrorShape {
  code: number;
  message: string;
  data: { code: string; [k: string]: unknown };
}

export class RpcError extends Error {
  constructor(readonly error: RpcErrorShape) {
    super(`${error.data.code}: ${error.message}`);
  }
  get code(): string {
    return this.error.data.code;
  }
}

interface Notification {
  method: string;
  params: { stream: string; seq?: number; bytes?: number; data?: unknown; error?: unknown };
}

export class RpcClient {
  private nextId = 1;
  private buffer = '';
  private pending = new Map<
    number | string,
    { resolve(v: unknown): void; reject(e: unknown): void }
  >();
  /** Responses with id null (parse errors, oversized lines), in arrival order. */
  readonly orphanErrors: RpcErrorShape[] = [];
  readonly notifications: Notification[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {
    input.on('data', (chunk: Buffer) => this.onData(chunk.toString('utf8')));
    input.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error('connection closed'));
      this.pending.clear();
    });
  }

  static connect(socketPath: string): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      socket.once('connect', () => resolve(new RpcClient(socket, socket)));
      socket.once('error', reject);
    });
  }

  private onData(text: string): void {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const msg = JSON.parse(line) as {
        id?: number | string | null;
        result?: unknown;
        error?: RpcErrorShape;
        method?: string;
        params?: Notification['params'];
      };
      if (msg.method) {
        this.notifications.push({ method: msg.method, params: msg.params! });
      } else if (msg.id === null || msg.id === undefined) {
        if (msg.error) this.orphanErrors.push(msg.error);
      } else {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new RpcError(msg.error));
        else p?.resolve(msg.result);
      }
      for (const w of this.waiters.splice(0)) w();
    }
  }

  call<T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.output.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  /** The stable code of a failing call ('ok' when it succeeded). */
  async codeOf(method: string, params: unknown = {}): Promise<string> {
    try {
      await this.call(method, params);
      return 'ok';
    } catch (error) {
      if (error instanceof RpcError) return error.code;
      throw error;
    }
  }

  notify(method: string, params: unknown): void {
    this.output.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');
  }

  writeRaw(text: string | Buffer): void {
    this.output.write(text);
  }

  /** Resolves once `predicate` holds over received messages. */
  async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for agent messages');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  async hello(): Promise<void> {
    await this.call('session.hello', { protocol: 1, client: 'integration-test' });
  }

  async login(username: string, password: string): Promise<{ token: string }> {
    await this.hello();
    return this.call('auth.login', { username, password });
  }

  close(): void {
    this.output.end();
  }
}

export interface Daemon {
  proc: ChildProcess;
  pid: number;
  socket: string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Starts `agent.cjs serve` and resolves when it prints its ready line. */
export async function startDaemon(options: {
  dataDir: string;
  socket: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
}): Promise<Daemon> {
  const proc = spawn(
    'node',
    [
      BUNDLE,
      'serve',
      '--data-dir',
      options.dataDir,
      '--socket',
      options.socket,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('"ready":true')) resolve();
    });
    proc.once('exit', (code) =>
      reject(new Error(`agent exited (${code}) before ready: ${stderr}`)),
    );
  });
  return {
    proc,
    pid: proc.pid!,
    socket: options.socket,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Creates the first admin through the CLI, the way the bootstrap does. */
export function adminCreate(dataDir: string, username: string, password: string, force = false) {
  return spawnSync(
    'node',
    [
      BUNDLE,
      'admin',
      'create',
      '--username',
      username,
      '--data-dir',
      dataDir,
      ...(force ? ['--force'] : []),
    ],
    { input: `${password}\n`, encoding: 'utf8' },
  );
}

export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}
