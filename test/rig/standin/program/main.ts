// One program for every stand-in service and for the commands their healthchecks call. The first
// argument picks it: `serve [service]` (service defaults to STANDIN_SERVICE), or a command name
// that the image links to this program (kong, imgproxy, edge-runtime, vector, postgrest, auth,
// supavisor …). The healthcheck helpers (curl, `kong health`, `imgproxy health`) are shell
// scripts on busybox wget instead (test/rig/standin/runtime/), so a healthcheck starts no Node.
import { currentFault } from './http-kit';
import { logError, logInfo, logWarn, setLogService, startHeartbeat, startLogFlood } from './log';
import { runFunctions } from './services/functions';
import { runGotrue } from './services/gotrue';
import { runImgproxy } from './services/imgproxy';
import { runKong } from './services/kong';
import { runLogflare } from './services/logflare';
import { runMeta } from './services/meta';
import { runPostgrest } from './services/postgrest';
import { runRealtime } from './services/realtime';
import { runStorage } from './services/storage';
import { runStudio } from './services/studio';
import { runSupavisor, runSupavisorCli, runSupavisorMigrate } from './services/supavisor';
import { runVector } from './services/vector';

type Runner = (args: string[]) => void | Promise<void>;

const SERVICES: Record<string, Runner> = {
  gotrue: runGotrue,
  postgrest: runPostgrest,
  realtime: runRealtime,
  storage: runStorage,
  imgproxy: runImgproxy,
  meta: runMeta,
  functions: runFunctions,
  studio: runStudio,
  supavisor: runSupavisor,
  logflare: runLogflare,
  vector: runVector,
  kong: runKong,
};

/** Commands that are not long-running services (healthcheck helpers, one-shot CLIs). */
const COMMANDS: Record<string, Runner> = {
  'supavisor-migrate': runSupavisorMigrate,
  'supavisor-cli': runSupavisorCli,
};

/** Names under which the image links this program, mapped to the service they start. */
const ALIASES: Record<string, string> = {
  auth: 'gotrue',
  'edge-runtime': 'functions',
  server: 'supavisor',
};

function isLongRunning(name: string, args: string[]): boolean {
  if (name === 'kong') return (args[0] ?? 'docker-start') === 'docker-start' || args[0] === 'start';
  if (name === 'imgproxy') return args[0] !== 'version';
  if (name === 'functions' || name === 'vector') return !args.includes('--version');
  return true;
}

function main(argv: string[]): void {
  const [command = 'serve', ...rest] = argv;
  if (COMMANDS[command]) {
    setLogService(command);
    void COMMANDS[command](rest);
    return;
  }
  let name = command === 'serve' ? (rest.shift() ?? process.env.STANDIN_SERVICE ?? '') : command;
  name = ALIASES[name] ?? name;
  const service = SERVICES[name];
  if (!service) {
    process.stderr.write(`standin: unknown service or command "${name}"\n`);
    process.exit(2);
  }
  setLogService(name);
  if (!isLongRunning(name, rest)) {
    void service(rest);
    return;
  }
  // PID 1 in a container gets no default signal handling: without these, `docker stop` waits
  // its full timeout and then kills.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) {
    process.on(signal, () => {
      logInfo(`received ${signal}, shutting down`);
      process.exit(0);
    });
  }
  logWarn(`stand-in for ${name} (not the real service); pid ${process.pid}`);
  const fault = currentFault();
  if (fault === 'crashloop') {
    logError('fatal: STANDIN_FAULT=crashloop, exiting in 1 s');
    setTimeout(() => process.exit(1), 1000);
    return;
  }
  if (fault) logWarn(`fault mode ${fault}: health endpoints will not pass`);
  startLogFlood();
  startHeartbeat();
  void service(rest);
}

main(process.argv.slice(2));
