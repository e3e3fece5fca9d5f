import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '@common/atomic-write';
import type { OperationKind } from '@protocol/types';
import type { CrashPoint } from './crash-points';

export const OPERATIONS_DIR = 'operations';

/**
 * One long operation in flight, as it is on disk: enough for the next agent start to finish it
 * or put the project back (see ./recovery.ts). `data` holds what the undo needs (the registry
 * fields and secrets an apply replaced, the releases of an upgrade); the file is 0600, like
 * every agent file that may hold a secret.
 */
export interface OperationRecord {
  id: string;
  kind: OperationKind;
  instanceId: string;
  /** The compose project: what a recovery sweeps even when the registry entry is gone. */
  project: string;
  /** The step about to run, or running, when the record was last written. */
  step: string;
  startedAt: string;
  updatedAt: string;
  data: Record<string, unknown>;
}

export interface JournalOptions {
  now?: () => Date;
  /** Tests stop the agent here, right after a step is recorded and before it runs. */
  crashPoint?: CrashPoint;
  /** Runs once an operation ended normally (clears the project's `lastOperation`). */
  onEnd?: (record: OperationRecord) => Promise<void> | void;
}

/**
 * The durable step record of every long operation: one small file per operation in
 * `<dataDir>/operations/`, replaced atomically BEFORE each step runs, removed when the
 * operation ends (well or with its own rollback done). What is left at start is exactly the
 * set of operations the agent was cut off in.
 */
export class OperationJournal {
  private constructor(
    private readonly dir: string,
    private readonly options: JournalOptions,
    private readonly found: OperationRecord[],
  ) {}

  static async open(dataDir: string, options: JournalOptions = {}): Promise<OperationJournal> {
    const dir = path.join(dataDir, OPERATIONS_DIR);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const found: OperationRecord[] = [];
    for (const name of await fs.readdir(dir)) {
      const file = path.join(dir, name);
      // A temp file is a write the crash cut short: the record before it is the truth.
      if (!name.endsWith('.json') || name.startsWith('.')) {
        await fs.rm(file, { force: true });
        continue;
      }
      const record = await fs
        .readFile(file, 'utf8')
        .then((text) => JSON.parse(text) as OperationRecord)
        .catch(() => undefined);
      if (record && typeof record.kind === 'string' && typeof record.instanceId === 'string') {
        found.push(record);
      } else {
        await fs.rm(file, { force: true });
      }
    }
    // Newest first: an operation inside another (the safety backup of a restore, the backup
    // before an upgrade) is undone before its outer one, whose note on the project is the last.
    found.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return new OperationJournal(dir, options, found);
  }

  /** Operations the previous run of the agent did not end, newest first. */
  unfinished(): OperationRecord[] {
    return this.found.map((r) => structuredClone(r));
  }

  /** Forgets an unfinished operation once recovery dealt with it. */
  async settle(id: string): Promise<void> {
    const at = this.found.findIndex((r) => r.id === id);
    if (at >= 0) this.found.splice(at, 1);
    await this.remove(id);
  }

  /**
   * Records the operation at its first step. The caller then `enter`s each step, this first one
   * included (a free call: it is on disk already), which is where a test may stop it.
   */
  async begin(
    kind: OperationKind,
    instance: { id: string; project: string },
    step: string,
    data: object = {},
  ): Promise<Operation> {
    const at = this.now();
    const record: OperationRecord = {
      id: `${kind}-${instance.id}-${randomBytes(4).toString('hex')}`,
      kind,
      instanceId: instance.id,
      project: instance.project,
      step,
      startedAt: at,
      updatedAt: at,
      data: { ...data },
    };
    await this.write(record);
    return new Operation(this, record);
  }

  /** @internal Operation's way in. */
  async write(record: OperationRecord): Promise<void> {
    record.updatedAt = this.now();
    await writeFileAtomic(this.file(record.id), JSON.stringify(record));
  }

  /** @internal */
  async ended(record: OperationRecord): Promise<void> {
    await this.remove(record.id);
    await this.options.onEnd?.(record);
  }

  /** @internal */
  crash(kind: OperationKind, step: string): Promise<void> | void {
    return this.options.crashPoint?.(kind, step);
  }

  private async remove(id: string): Promise<void> {
    await fs.rm(this.file(id), { force: true });
    await fsyncDir(this.dir).catch(() => undefined);
  }

  private file(id: string): string {
    return path.join(this.dir, `${id.replace(/[^a-zA-Z0-9-]/g, '_')}.json`);
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }
}

/** The handle an operation moves through its steps with. */
export class Operation {
  private done = false;

  constructor(
    private readonly journal: OperationJournal,
    private readonly record: OperationRecord,
  ) {}

  get step(): string {
    return this.record.step;
  }

  /** Records `step` (and what its undo needs) durably, before the caller runs it. */
  async enter(step: string, data: Record<string, unknown> = {}): Promise<void> {
    if (this.done) return;
    if (step !== this.record.step || Object.keys(data).length > 0) {
      this.record.step = step;
      Object.assign(this.record.data, data);
      await this.journal.write(this.record);
    }
    await this.journal.crash(this.record.kind, step);
  }

  /** The operation is over (finished, or failed with its own rollback done): nothing to recover. */
  async end(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.journal.ended(this.record);
  }
}
