import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '@common/atomic-write';
import { backupScheduleInput } from '@protocol/backups';
import type { BackupSchedule } from './schedule';

export interface StoredSchedule extends BackupSchedule {
  /** When it was set: the first run is the next slot after this. */
  since: string;
}

const fileSchema = z.record(z.string(), backupScheduleInput.extend({ since: z.string() }));

/** Every project's backup schedule, one 0600 JSON file; a project without an entry has none. */
export class ScheduleStore {
  private readonly file: string;

  constructor(backupsDir: string) {
    this.file = path.join(backupsDir, 'schedules.json');
  }

  async all(): Promise<Record<string, StoredSchedule>> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await fs.readFile(this.file, 'utf8')));
      return parsed.success ? (parsed.data as Record<string, StoredSchedule>) : {};
    } catch {
      return {};
    }
  }

  async get(instanceId: string): Promise<StoredSchedule | undefined> {
    return (await this.all())[instanceId];
  }

  async set(instanceId: string, schedule: StoredSchedule | undefined): Promise<void> {
    const all = await this.all();
    if (schedule) all[instanceId] = schedule;
    else delete all[instanceId];
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify(all));
  }
}
