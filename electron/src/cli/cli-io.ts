import type { Readable } from 'node:stream';

/** A terminal-ish output stream: what the CLI writes to and asks about. */
export interface CliOutputStream {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly writableNeedDrain?: boolean;
}

/** The input side, as a hidden prompt and stdin secrets need it. */
export type CliInputStream = Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };

/**
 * Everything the CLI takes from its process, so commands and their tests never touch
 * `process.*`: main.ts hands in the real streams and signals, tests hand in fakes.
 */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: CliInputStream;
  readonly stdout: CliOutputStream;
  readonly stderr: CliOutputStream;
  /** Ctrl-C; returns the unsubscribe function. While no one listens, Ctrl-C ends the process. */
  onInterrupt(listener: () => void): () => void;
  sleep(ms: number): Promise<void>;
  fileExists(path: string): boolean;
}
