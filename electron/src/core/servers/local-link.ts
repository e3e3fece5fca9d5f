import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { Duplex } from 'node:stream';
import { UltrabaseError } from '@contract/errors';
import type { SecretStore } from '../profiles/secret-store';
import { runNode, type NodeSpawner } from '../bootstrap/node-spawner';
import type { AgentLink } from './link';

export const LOCAL_SERVER_ID = 'local';

export interface LocalLinkOptions {
  /** Runs the agent bundle as a Node program (never the app binary as Node). */
  node: NodeSpawner;
  bundlePath: string;
  dataDir: string;
  username: string;
  secrets: SecretStore;
  remember(secret: string): void;
}

/**
 * "This computer": the agent as a child process speaking JSON-RPC on its stdio, so a new user
 * can try everything against local Docker with no server. Its login password is generated on
 * first use and lives only in the keychain.
 */
export class LocalLink implements AgentLink {
  private child: ChildProcess | undefined;
  private readonly downListeners = new Set<() => void>();
  private closing = false;

  constructor(private readonly options: LocalLinkOptions) {}

  async password(): Promise<string> {
    const { secrets } = this.options;
    let password = await secrets.get(LOCAL_SERVER_ID, 'agentPassword');
    if (!password) {
      password = randomBytes(24).toString('base64url');
      await secrets.set(LOCAL_SERVER_ID, 'agentPassword', password);
      await mkdir(this.options.dataDir, { recursive: true, mode: 0o700 });
      const r = await runNode(
        this.options.node,
        [
          this.options.bundlePath,
          'admin',
          'create',
          '--username',
          this.options.username,
          '--data-dir',
          this.options.dataDir,
          '--force',
        ],
        { stdin: password + '\n', timeoutMs: 60_000 },
      );
      if (r.code !== 0) {
        await secrets.delete(LOCAL_SERVER_ID, 'agentPassword');
        throw new UltrabaseError(
          'BOOTSTRAP_FAILED',
          `Setting up the local agent failed: ${r.output.trim().slice(-300)}`,
        );
      }
    }
    this.options.remember(password);
    return password;
  }

  async open(onStep?: (step: string) => void): Promise<Duplex> {
    this.closing = false;
    await this.password();
    onStep?.('start');
    await mkdir(this.options.dataDir, { recursive: true, mode: 0o700 });
    const child = this.options.node.spawn([
      this.options.bundlePath,
      'serve',
      '--stdio',
      '--data-dir',
      this.options.dataDir,
    ]);
    this.child = child;
    const stderr: string[] = [];
    child.stderr.on('data', (d: Buffer) => {
      stderr.push(d.toString('utf8'));
      if (stderr.length > 20) stderr.shift();
    });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      if (!this.closing) for (const l of this.downListeners) l();
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(
          new UltrabaseError('BOOTSTRAP_FAILED', `The local agent could not start: ${err.message}`),
        ),
      );
    });
    return Duplex.from({ readable: child.stdout, writable: child.stdin });
  }

  /** The running agent child's pid (tests, diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onDown(listener: () => void): void {
    this.downListeners.add(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.stdin?.end();
      child.kill('SIGTERM');
    });
  }
}
