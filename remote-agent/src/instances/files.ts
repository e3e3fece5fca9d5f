import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AgentError } from '../agent-error';
import { instanceSecretsSchema, type InstanceSecrets } from '../credentials/secrets';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import { writeFileAtomic } from '@common/atomic-write';

/** Renders and writes an instance's stack (compose file, .env 0600, volume files) into `dir`. */
export interface StackFileWriter {
  write(dir: string, input: { instance: Instance; secrets: InstanceSecrets }): Promise<void>;
}

export const SECRETS_FILE = 'secrets.json';

/**
 * Where each instance's files live: `<dataDir>/instances/<id>/`, 0700. The secrets are kept
 * beside the rendered files in their own 0600 file: they are the source from which a damaged
 * `.env` is re-rendered, and what `instances.credentials` reads.
 */
export class InstanceFiles {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'instances');
  }

  dir(instanceId: string): string {
    return path.join(this.root, instanceId);
  }

  async create(instanceId: string): Promise<string> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    const dir = this.dir(instanceId);
    await fs.mkdir(dir, { mode: 0o700 });
    return dir;
  }

  async writeSecrets(instanceId: string, secrets: InstanceSecrets): Promise<void> {
    await writeFileAtomic(path.join(this.dir(instanceId), SECRETS_FILE), JSON.stringify(secrets));
  }

  async readSecrets(instanceId: string): Promise<InstanceSecrets> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir(instanceId), SECRETS_FILE), 'utf8');
    } catch {
      throw new AgentError(
        ErrorCode.NOT_FOUND,
        'The credentials file of this instance is missing; run a repair or recreate the instance.',
      );
    }
    const parsed = instanceSecretsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new AgentError(
        ErrorCode.INTERNAL,
        'The credentials file of this instance is damaged; restore it from a backup.',
      );
    }
    return parsed.data;
  }

  async remove(instanceId: string): Promise<void> {
    await fs.rm(this.dir(instanceId), { recursive: true, force: true });
  }

  /** Instance directories on disk (including ones a crash left without a registry entry). */
  async list(): Promise<string[]> {
    try {
      return (await fs.readdir(this.root, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && /^[a-z0-9]{6,32}$/.test(e.name))
        .map((e) => e.name);
    } catch {
      return [];
    }
  }
}
