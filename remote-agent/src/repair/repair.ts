import { allReady } from '../instances/state';
import type { InstanceSecrets } from '../credentials/secrets';
import { readNetworkFacts } from '../diagnostics/stack-facts';
import type { OrphanProject } from '../diagnostics/orphans';
import type { Compose, ComposeProject } from '../docker/compose';
import type { DockerEngine } from '../docker/engine';
import { waitUntilHealthy } from '../lifecycle/health';
import { readServiceStates } from '../lifecycle/status';
import type {
  DiagnosticReport,
  Instance,
  RepairAction,
  RepairResult,
  ServiceState,
} from '@protocol/types';
import { diffStackFiles, writeStackFiles } from '../stack/files';
import type { RenderedStack } from '../stack/render';
import { planRepair, type RepairFacts } from './plan';

export interface RepairDeps {
  engine: DockerEngine;
  compose(): Promise<Compose>;
  instanceDir(instanceId: string): string;
  readSecrets(instanceId: string): Promise<InstanceSecrets>;
  renderStack(instance: Instance, secrets: InstanceSecrets): RenderedStack;
  expectedServices: readonly string[];
  findOrphans(): Promise<OrphanProject[]>;
  diagnose(instance: Instance): Promise<DiagnosticReport>;
  /** How long the stack gets to turn healthy after the actions, before the diagnosis after. */
  healthTimeoutMs: number;
  /**
   * After recreating containers, how long a failing diagnosis is retried: services without a
   * healthcheck (rest, meta, functions) count as ready when their process starts, a moment
   * before they listen, and Kong needs that moment too.
   */
  settleMs: number;
  sleep(ms: number): Promise<void>;
}

export interface RepairOutcome extends RepairResult {
  /** Docker's view after the actions (for the caller's status update). */
  services?: ServiceState[];
  /** Every service ready after the actions. */
  healthy?: boolean;
}

/** Reads the facts, plans, and (unless a dry run) runs the plan, then diagnoses again. */
export async function repair(
  instance: Instance,
  options: { dryRun: boolean },
  deps: RepairDeps,
): Promise<RepairOutcome> {
  const facts = await readRepairFacts(instance, deps);
  const actions = planRepair(facts.facts);
  if (options.dryRun) return { instanceId: instance.id, dryRun: true, actions };

  const project: ComposeProject = { name: instance.project, dir: deps.instanceDir(instance.id) };
  const attempt = async (action: RepairAction, fn: () => Promise<unknown>) => {
    try {
      await fn();
      action.done = true;
    } catch (err) {
      action.done = false;
      action.error = err instanceof Error ? err.message : String(err);
    }
  };
  const compose = () => deps.compose();

  for (const action of actions) {
    switch (action.kind) {
      case 'remove-orphan-container': {
        const id = facts.orphanIds.get(action.target) ?? action.target;
        await attempt(action, () => deps.engine.removeContainer(id));
        break;
      }
      case 'remove-orphan-network': {
        const id = facts.orphanIds.get(action.target) ?? action.target;
        await attempt(action, () => deps.engine.removeNetwork(id));
        break;
      }
      default:
        break;
    }
  }
  const rerender = actions.filter((a) => a.kind === 'rerender-file');
  if (rerender.length > 0 && facts.rendered) {
    const rendered = facts.rendered;
    const wanted = new Set(rerender.map((a) => a.target));
    const err = await writeStackFiles(project.dir, {
      ...rendered,
      files: rendered.files.filter((f) => wanted.has(f.path)),
    }).then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    for (const a of rerender) {
      a.done = err === undefined;
      if (err) a.error = err;
    }
  }
  const network = actions.find((a) => a.kind === 'recreate-network');
  const start = actions.find((a) => a.kind === 'start-stack');
  if (network) {
    // Compose recreates the network it finds missing, but leaves running containers attached
    // to the dead one; recreating the containers puts them on the new network. Data lives in
    // bind mounts and named volumes, which recreation keeps.
    await attempt(network, async () =>
      (await compose()).run(project, 'up', {
        extra: ['--force-recreate'],
        timeoutMs: deps.healthTimeoutMs + 2 * 60_000,
      }),
    );
  } else if (start) {
    // `up -d` starts exited containers, recreates missing ones and applies a changed file.
    await attempt(start, async () =>
      (await compose()).run(project, 'up', { timeoutMs: deps.healthTimeoutMs + 2 * 60_000 }),
    );
  }
  const restarts = actions.filter((a) => a.kind === 'restart-container');
  if (restarts.length > 0) {
    const services = restarts.map((a) => a.target);
    // Recreated rather than restarted: a new container picks up a fixed image or re-rendered
    // file, where `restart` would rerun the broken one. Its data lives outside the container.
    const run = compose().then((c) =>
      c.run(project, 'up', {
        extra: ['--no-deps', '--force-recreate', '--timeout', '10', ...services],
        timeoutMs: 5 * 60_000,
      }),
    );
    const err = await run.then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    for (const a of restarts) {
      a.done = err === undefined;
      if (err) a.error = err;
    }
  }

  let services: ServiceState[] | undefined;
  let healthy: boolean | undefined;
  const changedContainers = Boolean(network || start || restarts.length > 0);
  if (!facts.facts.stopped) {
    const read = () => readServiceStates(deps.engine, instance.project, deps.expectedServices);
    try {
      services = changedContainers
        ? await waitUntilHealthy({
            read,
            waitForChange: (ms) => deps.sleep(Math.min(ms, 1_000)),
            timeoutMs: deps.healthTimeoutMs,
          })
        : await read();
      healthy = allReady(services);
    } catch {
      services = await read().catch(() => undefined);
      healthy = false;
    }
  }
  const after = await diagnoseSettled(instance, deps, changedContainers && healthy === true);
  return { instanceId: instance.id, dryRun: false, actions, after, services, healthy };
}

async function readRepairFacts(
  instance: Instance,
  deps: RepairDeps,
): Promise<{ facts: RepairFacts; rendered?: RenderedStack; orphanIds: Map<string, string> }> {
  const dir = deps.instanceDir(instance.id);
  const secrets = await deps.readSecrets(instance.id).catch(() => undefined);
  const rendered = secrets ? deps.renderStack(instance, secrets) : undefined;
  const [states, network, fileDiffs, orphans] = await Promise.all([
    readServiceStates(deps.engine, instance.project, deps.expectedServices),
    readNetworkFacts(deps.engine, instance.project),
    rendered ? diffStackFiles(dir, rendered) : Promise.resolve(null),
    deps.findOrphans(),
  ]);
  const orphanIds = new Map<string, string>();
  for (const o of orphans) {
    for (const c of o.containers) orphanIds.set(c.name, c.id);
    for (const n of o.networks) orphanIds.set(n.name, n.id);
  }
  return {
    facts: { states, network, fileDiffs, orphans, stopped: instance.status === 'stopped' },
    rendered,
    orphanIds,
  };
}

async function diagnoseSettled(
  instance: Instance,
  deps: RepairDeps,
  settle: boolean,
): Promise<DiagnosticReport> {
  const deadline = Date.now() + (settle ? deps.settleMs : 0);
  for (;;) {
    const report = await deps.diagnose(instance);
    if (report.status !== 'fail' || Date.now() >= deadline) return report;
    await deps.sleep(2_000);
  }
}
