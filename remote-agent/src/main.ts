import { AGENT_VERSION } from './version.js';
import { PROTOCOL_VERSION } from './protocol/rpc.js';

const [command] = process.argv.slice(2);
if (command === 'version') {
  process.stdout.write(
    JSON.stringify({ version: AGENT_VERSION, protocol: PROTOCOL_VERSION }) + '\n',
  );
} else {
  process.stderr.write(`usage: agent.cjs version\n`);
  process.exit(2);
}
