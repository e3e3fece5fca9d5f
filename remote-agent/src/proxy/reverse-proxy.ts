import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AgentError } from '@common/coded-error';
import { writeFileAtomic } from '@common/atomic-write';
import { ErrorCode } from '@protocol/error-codes';
import type { CertificateStatus } from '@protocol/types';
import type { Compose } from '../docker/compose';
import { caddyAdmin, type CaddyAdmin } from './caddy-admin';
import { CONTAINER_PATHS, renderCaddyConfig, type ProxyRoute } from './caddy-config';
import {
  certificatePair,
  certificateStatus,
  heldCertificates,
  issuanceErrors,
  removeCertificates,
} from './certificates';
import { PROXY_DIRS, PROXY_PROJECT, renderProxyCompose } from './proxy-project';
import type { AcmeSettings } from './settings';

export interface ReverseProxyDeps {
  dataDir: string;
  compose(): Promise<Compose>;
  images: Readonly<Record<string, string>>;
  acme: AcmeSettings;
  /** Seam for tests; the real admin API by default. */
  admin?: (socketPath: string) => CaddyAdmin;
  /** How long a freshly started container may take to open its admin API (default 30 s). */
  startTimeoutMs?: number;
}

const COMPOSE_FILE = 'docker-compose.yml';
const CONFIG_FILE = 'caddy.json';

/**
 * The server's one reverse proxy: a Caddy container run as its own compose project, whose routes
 * the agent replaces through the admin API. A change never restarts the container (that would
 * drop every project's connections); the container is only (re)created when it is missing or its
 * compose file changed (a new image).
 */
export class ReverseProxy {
  readonly dir: string;
  private readonly admin: CaddyAdmin;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ReverseProxyDeps) {
    this.dir = path.join(deps.dataDir, 'proxy');
    this.admin = (deps.admin ?? caddyAdmin)(path.join(this.dir, PROXY_DIRS.run, 'admin.sock'));
  }

  /** Serves exactly these routes. One change at a time, in call order. */
  apply(routes: readonly ProxyRoute[]): Promise<void> {
    const next = this.queue.then(() => this.applyNow(routes));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async applyNow(routes: readonly ProxyRoute[]): Promise<void> {
    const config = renderCaddyConfig(routes, this.deps.acme);
    const text = JSON.stringify(config, null, 2) + '\n';
    try {
      const recreate = await this.writeProjectFiles();
      if (recreate || !(await this.answers())) await this.start();
      await this.admin.load(config);
    } catch (error) {
      throw new AgentError(
        ErrorCode.PROXY_FAILED,
        `The server’s reverse proxy did not take the change: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    // Written once Caddy took it: the file is what a restarted container starts with.
    await writeFileAtomic(path.join(this.dir, PROXY_DIRS.config, CONFIG_FILE), text, 0o644);
  }

  private async answers(): Promise<boolean> {
    return this.admin.waitReady(0).then(
      () => true,
      () => false,
    );
  }

  private async start(): Promise<void> {
    const compose = await this.deps.compose();
    await compose.run({ name: PROXY_PROJECT, dir: this.dir }, 'up', { timeoutMs: 5 * 60_000 });
    await this.admin.waitReady(this.deps.startTimeoutMs ?? 30_000);
  }

  /** The folders, the CA root, a first config and the compose file; true when the latter changed. */
  private async writeProjectFiles(): Promise<boolean> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const dir of Object.values(PROXY_DIRS)) {
      await fs.mkdir(path.join(this.dir, dir), { recursive: true, mode: 0o700 });
    }
    const configDir = path.join(this.dir, PROXY_DIRS.config);
    if (this.deps.acme.caRootFile) {
      const pem = await fs.readFile(this.deps.acme.caRootFile);
      await writeFileAtomic(
        path.join(configDir, path.basename(CONTAINER_PATHS.caRoot)),
        pem,
        0o644,
      );
    }
    const configFile = path.join(configDir, CONFIG_FILE);
    const hasConfig = await fs.stat(configFile).then(
      () => true,
      () => false,
    );
    if (!hasConfig) {
      const empty = renderCaddyConfig([], this.deps.acme);
      await writeFileAtomic(configFile, JSON.stringify(empty, null, 2) + '\n', 0o644);
    }
    const composeFile = path.join(this.dir, COMPOSE_FILE);
    const wanted = renderProxyCompose(this.deps.images);
    const current = await fs.readFile(composeFile, 'utf8').catch(() => undefined);
    if (current === wanted) return false;
    await writeFileAtomic(composeFile, wanted, 0o644);
    return true;
  }

  private storageRoot(): string {
    return path.join(
      this.dir,
      PROXY_DIRS.data,
      path.relative(CONTAINER_PATHS.data, CONTAINER_PATHS.storage),
    );
  }

  private logFile(): string {
    return path.join(
      this.dir,
      PROXY_DIRS.data,
      path.relative(CONTAINER_PATHS.data, CONTAINER_PATHS.log),
    );
  }

  /** Certificate state of each name, from Caddy's storage and log. */
  async certificates(
    hostnames: readonly string[],
    now: Date,
  ): Promise<Map<string, CertificateStatus>> {
    const errors = await issuanceErrors(this.logFile());
    const statuses = new Map<string, CertificateStatus>();
    for (const name of hostnames) {
      statuses.set(
        name,
        certificateStatus(await heldCertificates(this.storageRoot(), name), errors.get(name), now),
      );
    }
    return statuses;
  }

  /** Deletes the name's certificate and key; call after a config without the name is loaded. */
  removeCertificate(hostname: string): Promise<number> {
    return removeCertificates(this.storageRoot(), hostname);
  }

  /** The name's newest certificate and key (PEM), or undefined while none is held. */
  async certificatePair(hostname: string): Promise<{ cert: string; key: string } | undefined> {
    return certificatePair(this.storageRoot(), hostname);
  }
}
