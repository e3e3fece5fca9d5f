// Set-up by hand for rows whose starting point the API cannot produce quickly: the agent is
// stopped, its state.json edited, and the desktop's reconnect starts it again (probe, start,
// resume). Used to mark a dry run `running` (dry runs never follow Docker) and to register
// hundreds of instances past the per-person dry-run cap (100). What the rows then measure runs
// untouched.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Desktop } from '../../../electron/src/core/desktop';
import type { VpsHost } from '../../rig/hosts';

interface StateFile {
  instances: Record<string, Record<string, unknown> & { id: string; name: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function editAgentState(
  host: VpsHost,
  desktop: Desktop,
  serverId: string,
  edit: (state: StateFile) => void,
): Promise<void> {
  const pid = Number((await readFile(join(host.dirs.run, 'agent.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGTERM');
  await until(
    async () => !(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')),
    30_000,
    'the agent to stop',
  );
  const file = join(host.dirs.varLib, 'state.json');
  const state = JSON.parse(await readFile(file, 'utf8')) as StateFile;
  edit(state);
  await writeFile(file, JSON.stringify(state), { mode: 0o600 });
  // The desktop notices the lost tunnel and reconnects, which starts the agent again.
  await until(
    async () =>
      desktop.inspect(serverId).session?.status.state === 'connected' &&
      (await readFile(join(host.dirs.run, 'agent.pid'), 'utf8').catch(() => '')).trim() !==
        String(pid),
    120_000,
    'the desktop to reconnect',
  );
  await sleep(2_000); // the agent's reconcile at start settles
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomId = () =>
  Array.from({ length: 10 }, () => ALPHABET[Math.floor(Math.random() * 36)]).join('');

/** Copies of a registered dry run (new id, name, project) until the registry holds `total`. */
export function cloneInstances(state: StateFile, total: number): void {
  const template = Object.values(state.instances).find((i) => i.status === 'created');
  if (!template) throw new Error('no dry run to copy');
  let n = 0;
  while (Object.keys(state.instances).length < total) {
    const id = randomId();
    state.instances[id] = {
      ...structuredClone(template),
      id,
      name: `${template.name}-copy-${++n}`,
      project: `ub_${id}`,
    };
  }
}
