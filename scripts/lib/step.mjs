// One titled step of a driver script (test, bench): runs a command with inherited output, prints
// how long it took, and ends the whole script with the command's status when it fails.
import { spawn, spawnSync } from 'node:child_process';

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

/**
 * Several independent steps at once (each mostly one core: eslint, prettier, tsc), their output
 * held back and printed whole when each ends so the log reads like the one-at-a-time form.
 * Ends the script with the first failing step's status once all have ended.
 */
export async function parallelSteps(list) {
  const results = await Promise.all(
    list.map(
      ([title, cmd, cmdArgs]) =>
        new Promise((resolve) => {
          const started = Date.now();
          const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
          const out = [];
          child.stdout.on('data', (b) => out.push(b));
          child.stderr.on('data', (b) => out.push(b));
          child.on('close', (code, signal) => {
            const secs = ((Date.now() - started) / 1000).toFixed(1);
            process.stdout.write(`\n== ${title}\n${Buffer.concat(out).toString()}`);
            if (code === 0) process.stdout.write(`== ${title}: ok (${secs}s)\n`);
            else console.error(`\n== ${title} failed after ${secs}s (exit ${code ?? signal})`);
            resolve(code ?? 1);
          });
        }),
    ),
  );
  const failed = results.find((code) => code !== 0);
  if (failed !== undefined) process.exit(failed || 1);
}
