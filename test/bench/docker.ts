// The Docker side of the benchmark's fixtures: a tiny busybox image, light containers labelled
// as the agent's compose projects (`ub_<id>`), and a container whose log holds a known number of
// lines. Every container carries `ultrabase.bench=<pid>` so this run removes its own, and a later
// run removes what a crashed one left; each also ends by itself after 30 minutes (`--rm` and a
// bounded sleep), so nothing outlives a killed benchmark for long.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BENCH_LABEL = 'ultrabase.bench';
const LIFETIME_S = 1800;

export function docker(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'docker',
      [...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`docker ${args.slice(0, 3).join(' ')}…: ${err.message}\n${stderr}`))
          : resolve(stdout),
    ),
  );
}

/** A FROM-scratch image holding the machine's static busybox, tagged by content, built once. */
export async function ensureBusyboxImage(): Promise<string> {
  const digest = createHash('sha256')
    .update(await readFile('/bin/busybox'))
    .digest('hex');
  const tag = `ultrabase-bench/busybox:${digest.slice(0, 12)}`;
  const exists = await docker(['image', 'inspect', tag]).then(
    () => true,
    () => false,
  );
  if (exists) return tag;
  const context = await mkdtemp(join(tmpdir(), 'ub-bench-image-'));
  try {
    await copyFile('/bin/busybox', join(context, 'busybox'));
    await writeFile(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nENTRYPOINT ["/bin/busybox"]\n',
    );
    await docker(['build', '--quiet', '--tag', tag, context], 300_000);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}

export interface ProjectContainer {
  /** The instance id: the container joins compose project `ub_<id>`. */
  instanceId: string;
  service: string;
  /** busybox applet and arguments (default: a bounded sleep). */
  command?: string[];
  /** host path → container path, read-only. */
  mount?: [string, string];
}

function runArgs(image: string, c: ProjectContainer): string[] {
  const args = ['run', '-d', '--rm', '--network', 'none', '--log-driver', 'json-file'];
  args.push('--label', `com.docker.compose.project=ub_${c.instanceId}`);
  args.push('--label', `com.docker.compose.service=${c.service}`);
  args.push('--label', 'com.docker.compose.oneoff=False');
  args.push('--label', `${BENCH_LABEL}=${process.pid}`);
  if (c.mount) args.push('-v', `${c.mount[0]}:${c.mount[1]}:ro`);
  args.push(image, ...(c.command ?? ['sleep', String(LIFETIME_S)]));
  return args;
}

/** Starts the containers, `parallel` `docker run`s at a time; returns their ids. */
export async function startContainers(
  image: string,
  containers: readonly ProjectContainer[],
  parallel = 4,
): Promise<string[]> {
  const ids: string[] = new Array<string>(containers.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const c = containers[i];
      if (!c) return;
      ids[i] = (await docker(runArgs(image, c))).trim();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids;
}

/** Removes this run's containers, and those of benchmark runs whose process is gone. */
export async function removeBenchContainers(onlyOwn: boolean): Promise<number> {
  const out = await docker([
    'ps',
    '-a',
    '--filter',
    `label=${BENCH_LABEL}`,
    '--format',
    `{{.ID}} {{.Label "${BENCH_LABEL}"}}`,
  ]);
  const doomed: string[] = [];
  for (const line of out.split('\n')) {
    const [id, pid] = line.trim().split(' ');
    if (!id || !pid) continue;
    const mine = Number(pid) === process.pid;
    if (mine || (!onlyOwn && !isAlive(Number(pid)))) doomed.push(id);
  }
  for (let i = 0; i < doomed.length; i += 25) {
    await docker(['rm', '-f', ...doomed.slice(i, i + 25)]).catch(() => '');
  }
  return doomed.length;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until the container's log holds `lines` lines (its writer is done), bounded. */
export async function waitForLogLines(
  id: string,
  lines: number,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tail = await docker(['logs', '--tail', '1', id]);
    if (tail.includes(`line ${String(lines).padStart(6, '0')} `)) return;
    if (Date.now() > deadline) throw new Error(`log of ${id} did not reach ${lines} lines`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `lines` log lines of about 100 bytes each, numbered, the same bytes on every run. */
export function logFileText(lines: number): string {
  const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor';
  const parts: string[] = [];
  for (let i = 1; i <= lines; i++) {
    parts.push(`INFO bench-logs line ${String(i).padStart(6, '0')} ${filler}\n`);
  }
  return parts.join('');
}
