// One titled step of a driver script (test, bench): runs a command with inherited output, prints
// how long it took, and ends the whole script with the command's status when it fails.
import { spawnSync } from 'node:child_process';

export function step(title, cmd, cmdArgs, opts = {}) {
  const started = Date.now();
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', ...opts });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n== ${title} failed after ${secs}s (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  process.stdout.write(`== ${title}: ok (${secs}s)\n`);
}
