// One line per event on stdout (stderr for warnings and errors), so `docker logs` and the agent's
// log streaming have realistic content: a startup line, a line per request, and every 30 s a
// NOTICE on stderr, so both streams keep moving. STANDIN_LOG_FLOOD=<lines per second> adds
// filler lines, for flow-control tests of log streaming.

let serviceName = 'standin';

export function setLogService(name: string): void {
  serviceName = name;
}

function line(level: string, message: string): string {
  return `${new Date().toISOString()} ${level} [${serviceName}] ${message}\n`;
}

export function logInfo(message: string): void {
  process.stdout.write(line('INFO', message));
}

export function logWarn(message: string): void {
  process.stderr.write(line('WARN', message));
}

export function logError(message: string): void {
  process.stderr.write(line('ERROR', message));
}

let requests = 0;

export function countRequest(): void {
  requests += 1;
}

export function startHeartbeat(): void {
  setInterval(() => {
    process.stderr.write(line('NOTICE', `${requests} requests in the last 30 s`));
    requests = 0;
  }, 30_000).unref();
}

export function startLogFlood(): void {
  const perSecond = Number(process.env.STANDIN_LOG_FLOOD ?? '0');
  if (!Number.isFinite(perSecond) || perSecond <= 0) return;
  let sequence = 0;
  const perTick = Math.max(1, Math.round(perSecond / 10));
  setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      sequence += 1;
      logInfo(`flood line ${sequence} lorem ipsum dolor sit amet, consectetur adipiscing elit`);
    }
  }, 100).unref();
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
