import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDesktop } from '../core/desktop';
import type { CliIo } from './cli-io';
import { ExitCode, runCli } from './run-cli';

/** Where the CLI file lives (dist/cli/): the agent bundle ships beside it in dist/agent/. */
function cliDir(): string {
  const script = process.argv[1];
  return script ? dirname(realpathSync(script)) : process.cwd();
}

function agentBundlePath(): string {
  if (process.env.ULTRABASE_AGENT_BUNDLE) return resolve(process.env.ULTRABASE_AGENT_BUNDLE);
  return join(cliDir(), '..', 'agent', 'agent.cjs');
}

function nodeRuntimePath(): string | undefined {
  if (process.env.ULTRABASE_NODE_RUNTIME) return resolve(process.env.ULTRABASE_NODE_RUNTIME);
  const carried = join(cliDir(), '..', 'runtime', 'node');
  return existsSync(carried) ? carried : undefined;
}

/** The one place that hands the process to the CLI: streams, environment, Ctrl-C. */
function processIo(): CliIo {
  return {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt(listener) {
      // The first Ctrl-C goes to the command (to stop waiting, or close a stream cleanly);
      // a second one while it is still busy ends the process as Ctrl-C always does.
      let pressed = false;
      const handler = () => {
        if (pressed) process.exit(ExitCode.INTERRUPTED);
        pressed = true;
        listener();
      };
      process.on('SIGINT', handler);
      return () => {
        process.off('SIGINT', handler);
      };
    },
    sleep: (ms) => sleep(ms),
    fileExists: (path) => existsSync(path),
  };
}

const home = process.env.ULTRABASE_HOME
  ? resolve(process.env.ULTRABASE_HOME)
  : join(homedir(), '.config', 'ultrabase');

runCli(process.argv.slice(2), {
  io: processIo(),
  home,
  createDesktop: () => {
    const runtime = nodeRuntimePath();
    return createDesktop({
      home,
      agentBundlePath: agentBundlePath(),
      ...(runtime ? { nodeRuntimePath: runtime } : {}),
      ...(process.env.ULTRABASE_KNOWN_HOSTS
        ? { knownHostsPath: process.env.ULTRABASE_KNOWN_HOSTS }
        : {}),
      clientName: 'ultrabase-cli',
    });
  },
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error INTERNAL: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(ExitCode.FAILED);
  },
);
