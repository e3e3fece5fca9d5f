// The control-plane part of a creation (validate, allocate ports, generate credentials, render
// and fsync the stack files, persist the registry entry): a dry-run `instances.create` through
// the tunnel, timed at the client. Then 20 dry-run creations at once, checked for collisions
// (ports, ids, names, compose projects) and for a state file on disk that matches what the agent
// answers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance } from '@protocol/types';
import type { BenchContext } from '../setup';
import { fmtMs, type Row } from '../report';
import { summarize, timed } from '../stats';

export interface CreationResult {
  rows: Row[];
  ids: string[];
  /** Median of the sequential creations, in ms (the capacity rows compare against it). */
  p50Ms: number;
}

/** Every port number, id, name and project must be unique across all instances. */
export function collisions(instances: readonly Instance[]): string[] {
  const seen = new Map<string, string>();
  const found: string[] = [];
  const claim = (key: string, owner: string) => {
    const prev = seen.get(key);
    if (prev !== undefined && prev !== owner) found.push(`${key} (${prev} and ${owner})`);
    else seen.set(key, owner);
  };
  for (const i of instances) {
    // Ranges do not overlap, so a port number must be unique across kinds too.
    for (const port of Object.values(i.ports)) claim(`port ${port}`, i.id);
    claim(`id ${i.id}`, i.name);
    claim(`name ${i.name}`, i.id);
    claim(`project ${i.project}`, i.id);
  }
  return found;
}

async function stateOnDisk(ctx: BenchContext): Promise<Record<string, Instance>> {
  const text = await readFile(join(ctx.host.dirs.varLib, 'state.json'), 'utf8');
  return (JSON.parse(text) as { instances: Record<string, Instance> }).instances;
}

export async function measureCreation(
  ctx: BenchContext,
  opts: { sequential: number; parallel: number; prefix: string; label?: string },
): Promise<CreationResult> {
  const { desktop, serverId } = ctx;
  const ids: string[] = [];
  const seq: number[] = [];
  for (let i = 1; i <= opts.sequential; i++) {
    const r = await timed(() =>
      desktop.createProject(serverId, { name: `${opts.prefix}seq-${i}`, dryRun: true }),
    );
    seq.push(r.ms);
    ids.push(r.value.project.id);
  }
  const s = summarize(seq);

  const par = await timed(() =>
    Promise.all(
      Array.from({ length: opts.parallel }, (_, i) =>
        desktop.createProject(serverId, { name: `${opts.prefix}par-${i + 1}`, dryRun: true }),
      ),
    ),
  );
  ids.push(...par.value.map((r) => r.project.id));

  const listed = (await desktop.listProjects(serverId)).filter((p) =>
    p.name.startsWith(opts.prefix),
  );
  const disk = await stateOnDisk(ctx);
  const problems = collisions(listed);
  const missing = ids.filter((id) => !listed.some((p) => p.id === id));
  const diskMismatch = listed.filter(
    (p) => JSON.stringify(disk[p.id]?.ports) !== JSON.stringify(p.ports),
  );
  const intact = missing.length === 0 && diskMismatch.length === 0;
  if (problems.length > 0 || !intact) {
    ctx.log(
      `creation problems: ${problems.join(', ')}; missing ${missing.length}, ` +
        `disk mismatch ${diskMismatch.length}`,
    );
  }

  const label = opts.label ?? '';
  const rows: Row[] = [
    {
      metric: `creation control plane (dry run), p50${label}`,
      ours: fmtMs(s.p50),
      baseline: '—',
      ratio: `p90 ${fmtMs(s.p90)}`,
      target: '≤ 100 ms',
      met: s.p50 <= 100,
      method:
        `${opts.sequential} sequential dry-run \`instances.create\` calls through the tunnel, ` +
        'timed at the client (so tunnel and JSON-RPC are included): validation, port ' +
        'allocation with real bind checks, credentials and JWTs, every stack file rendered and ' +
        'fsynced, the registry entry persisted. Image pulls and container start are not part ' +
        'of the control plane.',
      whenMissed:
        'until the core sets TCP_NODELAY, the answer can wait ~40 ms for a delayed ACK (see ' +
        'the [TCP_NODELAY] row); the rest is fsync: the files and the state are synced before ' +
        'the call answers (crash safety), and an fsync on this shared disk waits behind every ' +
        'other writer. Closing the gap: TCP_NODELAY, then one directory fsync for all stack ' +
        'files instead of one per file.',
    },
  ];
  if (opts.parallel === 0) return { ids, rows, p50Ms: s.p50 };
  rows.push({
    metric: `${opts.parallel} parallel creations (dry run)`,
    ours: fmtMs(par.ms),
    baseline: '—',
    ratio: `${problems.length} collisions`,
    target: '0 collisions, state intact',
    met: problems.length === 0 && intact,
    method:
      `${opts.parallel} dry-run creations sent at once; every port, id, name and compose ` +
      `project checked unique across all ${listed.length} bench instances, and state.json on ` +
      `the VPS re-read and compared (${intact ? 'intact' : 'MISMATCH'}).`,
    whenMissed: `collisions: ${problems.join(', ') || 'none'}; missing ${missing.length}, on-disk mismatch ${diskMismatch.length}.`,
  });
  return { ids, rows, p50Ms: s.p50 };
}
