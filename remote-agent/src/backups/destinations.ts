import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { AgentError } from '@common/coded-error';
import { writeFileAtomic } from '@common/atomic-write';
import { ErrorCode } from '@protocol/error-codes';
import { destinationInput, s3DestinationInput, sftpDestinationInput } from '@protocol/backups';

/**
 * Where backups go. Every server has the local destination (a restic repository in the agent's
 * data folder); an admin adds SFTP servers (any OpenSSH host, another Ultrabase server too) and
 * S3-compatible buckets. One repository per destination serves every project of the server
 * (snapshots carry the project id as restic's host), so clones and similar projects dedupe.
 *
 * What is secret (an SSH key, S3 keys) lives in files of its own, 0600, beside the list; the
 * list itself holds none and is what `backups.destinations` shows.
 */
export const LOCAL_DESTINATION_ID = 'local';

export { destinationInput, sftpDestinationInput, s3DestinationInput };

export type DestinationInput = z.input<typeof destinationInput>;

/** What the list file holds and clients see: no secret. */
export type Destination =
  | { id: string; kind: 'local'; name: string }
  | {
      id: string;
      kind: 'sftp';
      name: string;
      host: string;
      port: number;
      user: string;
      path: string;
    }
  | { id: string; kind: 's3'; name: string; endpoint: string; bucket: string; prefix?: string };

/** How restic reaches one destination from inside its container. */
export interface ResticTarget {
  repository: string;
  mounts: { host: string; container: string; readOnly?: boolean }[];
  /** A 0600 file of NAME=value lines for `docker run --env-file` (S3 keys). */
  envFile?: string;
  /** restic `-o key=value` options. */
  options: string[];
}

const LIST_FILE = 'destinations.json';
const DEST_DIR_IN_CONTAINER = '/ub/destination';

export class DestinationStore {
  private readonly root: string;

  constructor(backupsDir: string) {
    this.root = backupsDir;
  }

  private secretDir(id: string): string {
    return path.join(this.root, 'destinations', id);
  }

  /** The local repository's folder (created on first use, 0700). */
  localRepository(): string {
    return path.join(this.root, 'repository');
  }

  async list(): Promise<Destination[]> {
    const local: Destination = { id: LOCAL_DESTINATION_ID, kind: 'local', name: 'This server' };
    return [local, ...(await this.readOthers())];
  }

  async get(id: string): Promise<Destination> {
    const found = (await this.list()).find((d) => d.id === id);
    if (!found) {
      throw new AgentError(ErrorCode.NOT_FOUND, `There is no backup destination "${id}".`, { id });
    }
    return found;
  }

  async add(input: DestinationInput): Promise<Destination> {
    const parsed = destinationInput.parse(input);
    const id = `d${randomBytes(5).toString('hex')}`;
    const dir = this.secretDir(id);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    let destination: Destination;
    if (parsed.kind === 'sftp') {
      const key = parsed.privateKey.endsWith('\n') ? parsed.privateKey : `${parsed.privateKey}\n`;
      await writeFileAtomic(path.join(dir, 'id_key'), key);
      await writeFileAtomic(path.join(dir, 'known_hosts'), knownHostsFor(parsed));
      const { host, port, user, name } = parsed;
      destination = { id, kind: 'sftp', name, host, port, user, path: parsed.path };
    } else {
      await writeFileAtomic(
        path.join(dir, 's3.env'),
        `AWS_ACCESS_KEY_ID=${parsed.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${parsed.secretAccessKey}\n`,
      );
      const { name, endpoint, bucket, prefix } = parsed;
      destination = { id, kind: 's3', name, endpoint, bucket, ...(prefix ? { prefix } : {}) };
    }
    await this.writeOthers([...(await this.readOthers()), destination]);
    return destination;
  }

  async remove(id: string): Promise<void> {
    if (id === LOCAL_DESTINATION_ID) {
      throw new AgentError(ErrorCode.INVALID_STATE, 'The local destination cannot be removed.');
    }
    await this.get(id);
    await this.writeOthers((await this.readOthers()).filter((d) => d.id !== id));
    await fs.rm(this.secretDir(id), { recursive: true, force: true });
  }

  /** How the restic container reaches `destination`; no secret ever lands in argv. */
  async target(destination: Destination): Promise<ResticTarget> {
    switch (destination.kind) {
      case 'local': {
        const repo = this.localRepository();
        await fs.mkdir(repo, { recursive: true, mode: 0o700 });
        return {
          repository: '/ub/repository',
          mounts: [{ host: repo, container: '/ub/repository' }],
          options: [],
        };
      }
      case 'sftp': {
        const d = DEST_DIR_IN_CONTAINER;
        const login = `${destination.user}@${destination.host}`;
        const ssh = [
          'ssh',
          `-i ${d}/id_key`,
          `-p ${destination.port}`,
          `-o UserKnownHostsFile=${d}/known_hosts`,
          '-o StrictHostKeyChecking=accept-new',
          '-o BatchMode=yes',
          '-o ConnectTimeout=15',
          '-o ServerAliveInterval=15',
          login,
          '-s sftp',
        ].join(' ');
        return {
          repository: `sftp:${login}:${destination.path}`,
          mounts: [{ host: this.secretDir(destination.id), container: d }],
          options: [`sftp.command=${ssh}`],
        };
      }
      case 's3': {
        const base = destination.endpoint.replace(/\/+$/, '');
        const suffix = destination.prefix ? `/${destination.prefix.replace(/^\/+/, '')}` : '';
        return {
          repository: `s3:${base}/${destination.bucket}${suffix}`,
          mounts: [],
          envFile: path.join(this.secretDir(destination.id), 's3.env'),
          options: [],
        };
      }
    }
  }

  private async readOthers(): Promise<Destination[]> {
    try {
      const parsed = JSON.parse(await fs.readFile(path.join(this.root, LIST_FILE), 'utf8')) as {
        destinations?: Destination[];
      };
      return Array.isArray(parsed.destinations) ? parsed.destinations : [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async writeOthers(destinations: Destination[]): Promise<void> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(this.root, LIST_FILE), JSON.stringify({ destinations }));
  }
}

/** The given known_hosts line, or an empty file that ssh fills on first contact (accept-new). */
function knownHostsFor(input: z.output<typeof sftpDestinationInput>): string {
  if (!input.knownHosts) return '';
  const line = input.knownHosts.trim();
  // A bare "ssh-ed25519 AAAA…" key is turned into a line for the host ssh will look up.
  if (/^(ssh-|ecdsa-)/.test(line)) {
    const name = input.port === 22 ? input.host : `[${input.host}]:${input.port}`;
    return `${name} ${line}\n`;
  }
  return `${line}\n`;
}
