// A V8 CPU profile of the running agent: SIGUSR1 opens its inspector on 127.0.0.1:9229 inside
// the rig VPS's network namespace, and test/bench/agent-profile.mjs attaches to it from there.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CpuProfile } from './profile';
import { agentPid, type BenchContext } from './setup';

/** Starts profiling the agent; the returned `stop` ends it and reads the profile from `file`. */
export async function profileAgent(
  ctx: BenchContext,
  file: string,
  root: string,
): Promise<() => Promise<CpuProfile>> {
  const pid = await agentPid(ctx);
  process.kill(pid, 'SIGUSR1');
  const child = spawn(
    'nsenter',
    [
      `--net=/proc/${pid}/ns/net`,
      process.execPath,
      join(root, 'test/bench/agent-profile.mjs'),
      file,
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, WS_MODULE: join(root, 'node_modules/ws') },
    },
  );
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (b: Buffer) => String(b).includes('started') && res());
    child.once('exit', (code) => rej(new Error(`agent profiler exited ${code}`)));
  });
  return async () => {
    const done = new Promise<void>((res) => child.once('exit', () => res()));
    child.stdin.end();
    await done;
    return JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  };
}
