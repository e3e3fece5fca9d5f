import { Redactor } from '@common/redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Context that tells a reader which request or instance a line concerns. */
export interface LogFields {
  request?: string;
  instance?: string;
  method?: string;
  user?: string;
  code?: string;
  [key: string]: unknown;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  readonly redactor: Redactor;
}

export type LogSink = (line: string) => void;

/** One JSON object per line: `{time, level, msg, ...fields}`, redacted before it leaves. */
export function createLogger(options: {
  sink: LogSink;
  level?: LogLevel;
  now?: () => Date;
  redactor?: Redactor;
}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const redactor = options.redactor ?? new Redactor();
  const log =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}): void => {
      if (ORDER[level] < min) return;
      const record = redactor.redact({ time: now().toISOString(), level, msg, ...fields });
      try {
        options.sink(JSON.stringify(record) + '\n');
      } catch {
        // Logging must never take the agent down (full disk, closed stderr).
      }
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    redactor,
  };
}

/** Error facts for a log line: message and code, with the stack only at the end of the line. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      error: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      stack: error.stack?.split('\n').slice(1, 6).join(' | '),
    };
  }
  return { error: String(error) };
}
