import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UltrabaseError } from '../contract/errors';
import { createDesktop } from '../core/desktop';
import { parseArgs, UsageError, flagBool } from './args';
import { runCommand, USAGE } from './commands';
import { createOutput } from './output';
import { SecretInput } from './secrets-input';

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

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (flagBool(args, 'help') || args.positional.length === 0) {
    process.stdout.write(USAGE + '\n');
    return args.positional.length === 0 && !flagBool(args, 'help') ? 2 : 0;
  }
  const out = createOutput(flagBool(args, 'json'));
  const home = process.env.ULTRABASE_HOME
    ? resolve(process.env.ULTRABASE_HOME)
    : join(homedir(), '.config', 'ultrabase');
  const runtime = nodeRuntimePath();
  const desktop = createDesktop({
    home,
    agentBundlePath: agentBundlePath(),
    ...(runtime ? { nodeRuntimePath: runtime } : {}),
    ...(process.env.ULTRABASE_KNOWN_HOSTS
      ? { knownHostsPath: process.env.ULTRABASE_KNOWN_HOSTS }
      : {}),
    clientName: 'ultrabase-cli',
  });
  try {
    await runCommand({ desktop, home, out, secrets: new SecretInput(), args });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    const e =
      err instanceof UltrabaseError
        ? err
        : new UltrabaseError('INTERNAL', (err as Error)?.message ?? String(err));
    out.error(e.toJSON());
    return 1;
  } finally {
    await desktop.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error INTERNAL: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
