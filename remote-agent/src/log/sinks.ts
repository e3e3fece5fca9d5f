import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LogSink } from './logger';

/** Under systemd the journal collects stderr and rotates it; anywhere else we keep a file. */
export function defaultSink(dataDir: string, env: NodeJS.ProcessEnv): LogSink {
  return env.INVOCATION_ID
    ? stderrSink()
    : rotatingFileSink(path.join(dataDir, 'logs', 'agent.log'));
}

export function stderrSink(): LogSink {
  return (line) => {
    process.stderr.write(line);
  };
}

/**
 * Appends synchronously (a line is on disk before the next statement, so the last lines before
 * a crash are kept) and rotates at `maxBytes`: agent.log → agent.log.1 → … → agent.log.<keep>.
 */
export function rotatingFileSink(file: string, maxBytes = 5 * 1024 * 1024, keep = 3): LogSink {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let size = currentSize(file);
  return (line) => {
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > maxBytes) {
      for (let i = keep - 1; i >= 1; i--) tryRename(`${file}.${i}`, `${file}.${i + 1}`);
      tryRename(file, `${file}.1`);
      size = 0;
    }
    appendFileSync(file, line, { mode: 0o600 });
    size += bytes;
  };
}

function currentSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function tryRename(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {}
}
