import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, type DockerEngine } from '../docker/engine';
import { FrameDemuxer } from '../docker/frames';

/** The compose project's default network: compose v1 and v2 both name it `<project>_default`. */
export function defaultNetworkName(project: string): string {
  return `${project}_default`;
}

/** Container facts the Engine API has but `ContainerInspect` does not type. */
interface NetworkedInspect {
  State: { Running: boolean };
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string; IPAddress?: string }> };
}

export interface ServiceContainer {
  id: string;
  service: string;
  running: boolean;
  tty: boolean;
  /** Address on the project's network, when attached to it. */
  ip?: string;
  /** Attached to the network that exists now under the project's network name. */
  attached: boolean;
}

export interface NetworkFacts {
  /** The project's network exists. */
  present: boolean;
  /** Running containers not attached to it (their network was removed under them). */
  detached: string[];
  containers: ServiceContainer[];
}

/** Each service's container with its address, and whether the project network is whole. */
export async function readNetworkFacts(
  engine: DockerEngine,
  project: string,
): Promise<NetworkFacts> {
  const networkName = defaultNetworkName(project);
  const [networks, summaries] = await Promise.all([
    engine.listNetworks(project),
    engine.listContainers({ project, all: true }),
  ]);
  const network = networks.find((n) => n.Name === networkName);
  const containers: ServiceContainer[] = [];
  await Promise.all(
    summaries.map(async (c) => {
      const service = c.Labels[COMPOSE_SERVICE_LABEL];
      if (!service || c.Labels['com.docker.compose.oneoff'] === 'True') return;
      const raw = await engine.inspectContainer(c.Id).catch(() => undefined);
      if (!raw) return;
      const info = raw as unknown as NetworkedInspect & { Config: { Tty: boolean } };
      const endpoint = info.NetworkSettings?.Networks?.[networkName];
      const attached =
        network !== undefined && endpoint !== undefined && endpoint.NetworkID === network.Id;
      containers.push({
        id: c.Id,
        service,
        running: info.State.Running,
        tty: info.Config.Tty,
        ip: attached && endpoint?.IPAddress ? endpoint.IPAddress : undefined,
        attached,
      });
    }),
  );
  containers.sort((a, b) => a.service.localeCompare(b.service));
  return {
    present: network !== undefined,
    detached: containers.filter((c) => c.running && !c.attached).map((c) => c.service),
    containers,
  };
}

/** The last `tail` lines of a container's log, text only. */
export async function readLogTail(
  engine: DockerEngine,
  container: { id: string; tty: boolean },
  tail: number,
  signal: AbortSignal,
): Promise<string[]> {
  const res = await engine.logs(container.id, { tail, follow: false });
  const onAbort = () => res.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  const demux = new FrameDemuxer(container.tty);
  const out: string[] = [];
  try {
    for await (const chunk of res) {
      for (const l of demux.push(chunk as Buffer)) out.push(l.text);
    }
    for (const l of demux.flush()) out.push(l.text);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return out.slice(-tail);
}

export { COMPOSE_PROJECT_LABEL };
