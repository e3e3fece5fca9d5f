import { runCli } from './cli/commands';

/**
 * Entry point of dist/agent/agent.cjs. Everything is in cli/ and server.ts; this file only
 * hands over the real process I/O.
 */
runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
    // Daemons end by returning; stray handles (a lingering socket) must not keep the process.
    if (code !== 0 || process.argv[2] === 'serve') setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`agent: ${String(error)}\n`);
    process.exit(1);
  },
);
