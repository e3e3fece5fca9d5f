import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@common/atomic-write';
import type { BackupManifest, BackupSummary } from '@protocol/backups';

export interface IndexEntry {
  manifest: BackupManifest;
  /** Destination id → restic's data_added for this backup (bytes new to that repository). */
  added: Record<string, number>;
  verifiedAt?: string;
}

/**
 * The agent's own record of the backups it took (one 0600 JSON file per backup), so listing is
 * instant and a drill's "verified" mark has a home. The repositories stay the truth: a backup
 * found there without an entry here (a new server) is read from its manifest and added.
 */
export class BackupIndex {
  constructor(private readonly dir: string) {}

  private file(instanceId: string, backupId: string): string {
    return path.join(this.dir, instanceId, `${backupId}.json`);
  }

  async put(entry: IndexEntry): Promise<void> {
    const dir = path.join(this.dir, entry.manifest.instanceId);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(
      this.file(entry.manifest.instanceId, entry.manifest.id),
      JSON.stringify(entry),
    );
  }

  async get(instanceId: string, backupId: string): Promise<IndexEntry | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file(instanceId, backupId), 'utf8')) as IndexEntry;
    } catch {
      return undefined;
    }
  }

  async remove(instanceId: string, backupId: string): Promise<void> {
    await fs.rm(this.file(instanceId, backupId), { force: true });
  }

  async list(instanceId: string): Promise<IndexEntry[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.dir, instanceId));
    } catch {
      return [];
    }
    const entries: IndexEntry[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const entry = await this.get(instanceId, name.slice(0, -'.json'.length));
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => (a.manifest.startedAt < b.manifest.startedAt ? 1 : -1));
  }
}

export function summarize(entry: IndexEntry): BackupSummary {
  const m = entry.manifest;
  return {
    id: m.id,
    kind: m.kind,
    instanceId: m.instanceId,
    instanceName: m.instanceName,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    durationMs: Date.parse(m.finishedAt) - Date.parse(m.startedAt),
    bytes: m.database.bytes + m.files.bytes + m.roles.bytes,
    added: entry.added,
    destinations: Object.keys(m.snapshots),
    tables: m.database.tables.length,
    rows: m.database.tables.reduce((n, t) => n + t.rows, 0),
    files: m.files.count,
    ...(entry.verifiedAt ? { verifiedAt: entry.verifiedAt } : {}),
  };
}
