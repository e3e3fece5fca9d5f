import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import { removeStaleTempFiles, writeFileAtomic } from '@common/atomic-write';
import { emptyState, SCHEMA_VERSION, withSafeMaps, type AgentState } from './schema';

export const STATE_FILE = 'state.json';

/**
 * The agent's durable state (users, sessions, instances) in one JSON file.
 *
 * `mutate` applies a change to a copy, swaps it in (so readers never see half a change and a
 * throwing mutation changes nothing), and resolves only once the change is on disk: a caller
 * acknowledges nothing that a `kill -9` could take back. Concurrent mutations share one write
 * (group commit), which keeps 20 parallel creations from queueing 20 fsyncs.
 */
export class StateStore {
  private state: AgentState;
  private durable: string;
  private waiting: Array<{ resolve(): void; reject(error: unknown): void }> = [];
  private flushing = false;

  private constructor(
    private readonly file: string,
    initial: AgentState,
  ) {
    this.state = initial;
    this.durable = JSON.stringify(initial);
  }

  static async open(dataDir: string): Promise<StateStore> {
    const file = path.join(dataDir, STATE_FILE);
    await removeStaleTempFiles(dataDir, STATE_FILE);
    let text: string | undefined;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const store = new StateStore(file, text === undefined ? emptyState() : parseState(text, file));
    if (text === undefined) await store.flushNow();
    return store;
  }

  read(): Readonly<AgentState> {
    return this.state;
  }

  /**
   * `applied` runs once the change is in memory (readers see it), before the write: for what
   * may be announced before it is durable (see StoreInstanceRegistry.update).
   */
  async mutate<T>(change: (draft: AgentState) => T, applied?: (result: T) => void): Promise<T> {
    const draft = withSafeMaps(structuredClone(this.state));
    const result = change(draft);
    this.state = draft;
    const written = this.persist();
    applied?.(result);
    await written;
    return result;
  }

  private persist(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.flushing) void this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      const snapshot = JSON.stringify(this.state);
      try {
        await writeFileAtomic(this.file, snapshot);
        this.durable = snapshot;
        for (const w of batch) w.resolve();
      } catch (error) {
        // Memory must not run ahead of the disk: drop every change not yet written, and fail
        // every caller who was waiting for it (including those who joined during the write).
        this.state = withSafeMaps(JSON.parse(this.durable) as AgentState);
        for (const w of [...batch, ...this.waiting.splice(0)]) w.reject(error);
      }
    }
    this.flushing = false;
  }

  private async flushNow(): Promise<void> {
    const snapshot = JSON.stringify(this.state);
    await writeFileAtomic(this.file, snapshot);
    this.durable = snapshot;
  }
}

function parseState(text: string, file: string): AgentState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AgentError(
      ErrorCode.INTERNAL,
      `${file} is not valid JSON; restore it from a backup.`,
    );
  }
  const state = value as Partial<AgentState> | null;
  if (
    !state ||
    typeof state !== 'object' ||
    typeof state.schemaVersion !== 'number' ||
    !isMap(state.users) ||
    !isMap(state.sessions) ||
    !isMap(state.instances)
  ) {
    throw new AgentError(ErrorCode.INTERNAL, `${file} does not look like agent state.`);
  }
  if (state.schemaVersion > SCHEMA_VERSION) {
    throw new AgentError(
      ErrorCode.INTERNAL,
      `${file} was written by a newer agent (schema ${state.schemaVersion}, this one reads ` +
        `${SCHEMA_VERSION}); update the agent instead of downgrading it.`,
    );
  }
  return migrate(state as AgentState);
}

function isMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** No older schema exists yet; each future bump adds one step here. */
function migrate(state: AgentState): AgentState {
  return withSafeMaps({ ...state, schemaVersion: SCHEMA_VERSION });
}
