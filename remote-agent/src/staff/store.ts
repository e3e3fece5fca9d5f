import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '@common/atomic-write';
import { ACCOUNT_NAME_RE } from '@protocol/validation';

/** What the agent remembers of an account it made; it removes no account it did not make. */
export interface StaffRecord {
  username: string;
  uid: number;
  home: string;
  keyType: string;
  /** The key blob (base64): authorized_keys is rewritten from it after an agent upgrade. */
  keyBase64: string;
  keyFingerprint: string;
  createdAt: string;
}

const RecordSchema = z
  .object({
    username: z.string().regex(ACCOUNT_NAME_RE),
    uid: z.number().int().min(1),
    home: z.string().startsWith('/'),
    keyType: z.string(),
    keyBase64: z.string(),
    keyFingerprint: z.string(),
    createdAt: z.string(),
  })
  .strict();
const FileSchema = z.object({ version: z.literal(1), members: z.array(RecordSchema) }).strict();

export interface StaffStore {
  list(): StaffRecord[];
  get(username: string): StaffRecord | undefined;
  put(record: StaffRecord): Promise<void>;
  delete(username: string): Promise<void>;
}

/** `staff.json` in the data directory (0600, atomic writes), held in a Map (no prototype keys). */
export class FileStaffStore implements StaffStore {
  private constructor(
    private readonly file: string,
    private readonly members: Map<string, StaffRecord>,
  ) {}

  static async open(dataDir: string): Promise<FileStaffStore> {
    const file = path.join(dataDir, 'staff.json');
    let members: StaffRecord[] = [];
    try {
      members = FileSchema.parse(JSON.parse(await fs.readFile(file, 'utf8'))).members;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new FileStaffStore(file, new Map(members.map((m) => [m.username, m])));
  }

  list(): StaffRecord[] {
    return [...this.members.values()].sort((a, b) => a.username.localeCompare(b.username));
  }

  get(username: string): StaffRecord | undefined {
    return this.members.get(username);
  }

  async put(record: StaffRecord): Promise<void> {
    const next = new Map(this.members).set(record.username, record);
    await this.save(next);
  }

  async delete(username: string): Promise<void> {
    const next = new Map(this.members);
    next.delete(username);
    await this.save(next);
  }

  private async save(next: Map<string, StaffRecord>): Promise<void> {
    const body = { version: 1, members: [...next.values()] };
    await writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n', 0o600);
    this.members.clear();
    for (const [k, v] of next) this.members.set(k, v);
  }
}

/** The same contract in memory, for unit tests. */
export class MemoryStaffStore implements StaffStore {
  readonly members = new Map<string, StaffRecord>();
  list(): StaffRecord[] {
    return [...this.members.values()];
  }
  get(username: string): StaffRecord | undefined {
    return this.members.get(username);
  }
  put(record: StaffRecord): Promise<void> {
    this.members.set(record.username, record);
    return Promise.resolve();
  }
  delete(username: string): Promise<void> {
    this.members.delete(username);
    return Promise.resolve();
  }
}
