import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '@common/atomic-write';

const recordSchema = z.object({
  instanceId: z.string(),
  hostname: z.string(),
  target: z.enum(['api', 'studio', 'both']),
  hsts: z.boolean(),
  studioAllowIps: z.array(z.string()),
  addedAt: z.string(),
  addedBy: z.string(),
});

const fileSchema = z.object({ version: z.literal(1), domains: z.array(recordSchema) });

export type DomainRecord = z.infer<typeof recordSchema>;

export const DOMAINS_FILE = 'domains.json';

/**
 * The custom domains of every instance, in their own file beside the agent's state (0600,
 * replaced atomically): an agent without the file simply has no domains, and the state file's
 * schema does not change.
 */
export class DomainStore {
  private constructor(
    private readonly file: string,
    private records: DomainRecord[],
  ) {}

  static async open(dataDir: string): Promise<DomainStore> {
    const file = path.join(dataDir, DOMAINS_FILE);
    const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const records = text === undefined ? [] : fileSchema.parse(JSON.parse(text)).domains;
    return new DomainStore(file, records);
  }

  list(): DomainRecord[] {
    return this.records.map((r) => ({ ...r, studioAllowIps: [...r.studioAllowIps] }));
  }

  forInstance(instanceId: string): DomainRecord[] {
    return this.list().filter((r) => r.instanceId === instanceId);
  }

  find(hostname: string): DomainRecord | undefined {
    return this.list().find((r) => r.hostname === hostname);
  }

  async replace(records: DomainRecord[]): Promise<void> {
    const text = JSON.stringify({ version: 1, domains: records }, null, 2) + '\n';
    await writeFileAtomic(this.file, text, 0o600);
    this.records = records.map((r) => ({ ...r }));
  }
}
