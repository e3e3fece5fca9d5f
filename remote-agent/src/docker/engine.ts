import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@protocol/error-codes';
import { DockerError, isTransientPullMessage } from './docker-error';
import { JsonLines } from './frames';
import { PullTracker, type PullMessage } from './pull-progress';
import type { RawStats } from './stats-math';
import { createTransport, type EngineTransport } from './transport';

/** Compose labels every container, network and volume of a project with these. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/** The parts of `GET /containers/json` we read. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Labels: Record<string, string>;
  Ports: { PrivatePort: number; PublicPort?: number; Type: string; IP?: string }[];
}

/** The parts of `GET /containers/{id}/json` we read. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  RestartCount: number;
  State: {
    Status: string;
    Running: boolean;
    Restarting: boolean;
    OOMKilled: boolean;
    ExitCode: number;
    /** The container's main process on the host (0 when it is not running). */
    Pid?: number;
    Health?: { Status: 'starting' | 'healthy' | 'unhealthy' };
  };
  Config: { Tty: boolean; Labels: Record<string, string>; Healthcheck?: { Test?: string[] } };
  HostConfig: { RestartPolicy?: { Name: string }; LogConfig?: { Type: string } };
  /** The json-file driver's log on the host (empty for other drivers). */
  LogPath?: string;
}

export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano?: number;
}

export interface LabelledObject {
  Name: string;
  Id?: string;
  Labels: Record<string, string> | null;
}

/** A focused Engine API client: only the endpoints the agent uses. */
export interface DockerEngine {
  readonly socketPath: string;
  ping(): Promise<void>;
  version(): Promise<{ version: string; apiVersion: string }>;
  listContainers(opts: { project?: string; all?: boolean }): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerInspect>;
  removeContainer(id: string): Promise<void>;
  imageExists(ref: string): Promise<boolean>;
  /** Pulls an image; `onProgress` gets the whole image's percent as it changes. */
  pullImage(ref: string, onProgress: (percent: number) => void): Promise<void>;
  /** Raw log stream (multiplexed unless `tty`); the caller demultiplexes and destroys it. */
  logs(
    id: string,
    opts: { tail?: number; follow?: boolean; since?: number },
  ): Promise<IncomingMessage>;
  /**
   * `oneShot`: the counters as they are, at once (no second sample, so no precpu_stats): the
   * usage sampler diffs them against its own previous reading.
   */
  stats(id: string, opts?: { oneShot?: boolean }): Promise<RawStats>;
  /** A long-lived stream of JSON events; ends when dockerd stops. */
  events(filters: Record<string, string[]>): Promise<IncomingMessage>;
  listNetworks(project: string): Promise<LabelledObject[]>;
  removeNetwork(idOrName: string): Promise<void>;
  /** The IPv4 and IPv6 subnets of every network on the engine (the subnet allocator avoids them). */
  networkSubnets(): Promise<string[]>;
  listVolumes(project: string): Promise<LabelledObject[]>;
  removeVolume(name: string): Promise<void>;
}

const projectFilter = (project: string) =>
  JSON.stringify({ label: [`${COMPOSE_PROJECT_LABEL}=${project}`] });

/** `name[:tag]` → the tag Docker should pull (an untagged pull would fetch every tag). */
export function withDefaultTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}

export function createDockerEngine(transport: EngineTransport = createTransport()): DockerEngine {
  const ignore404 = (err: unknown) => {
    if (err instanceof DockerError && err.data.status === 404) return;
    throw err;
  };
  return {
    socketPath: transport.socketPath,
    async ping() {
      await transport.json({ path: '/_ping', idleTimeoutMs: 5_000 });
    },
    async version() {
      const { body } = await transport.json<{ Version: string; ApiVersion: string }>({
        path: '/version',
        idleTimeoutMs: 5_000,
      });
      return { version: body.Version, apiVersion: body.ApiVersion };
    },
    async listContainers({ project, all }) {
      const { body } = await transport.json<ContainerSummary[]>({
        path: '/containers/json',
        query: {
          all: all ? 1 : undefined,
          filters: project ? projectFilter(project) : undefined,
        },
      });
      return body;
    },
    async inspectContainer(id) {
      return (await transport.json<ContainerInspect>({ path: `/containers/${id}/json` })).body;
    },
    async removeContainer(id) {
      await transport
        .json({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1, v: 1 } })
        .catch(ignore404);
    },
    async imageExists(ref) {
      try {
        await transport.json({ path: `/images/${encodeURIComponent(ref)}/json` });
        return true;
      } catch (err) {
        if (err instanceof DockerError && err.data.status === 404) return false;
        throw err;
      }
    },
    async pullImage(ref, onProgress) {
      let res: IncomingMessage;
      try {
        // A registry can go silent mid-layer; two minutes without a byte is a timeout worth a retry.
        res = await transport.stream({
          method: 'POST',
          path: '/images/create',
          query: { fromImage: withDefaultTag(ref) },
          idleTimeoutMs: 120_000,
        });
      } catch (err) {
        throw pullError(ref, err);
      }
      const lines = new JsonLines<PullMessage>();
      const tracker = new PullTracker();
      let last = -1;
      try {
        for await (const chunk of res) {
          for (const msg of lines.push(chunk as Buffer)) {
            if (msg.error) {
              const text = msg.errorDetail?.message ?? msg.error;
              throw new DockerError(
                ErrorCode.PULL_FAILED,
                `Pulling ${ref} failed: ${text}`,
                { image: ref },
                isTransientPullMessage(text),
              );
            }
            tracker.push(msg);
            const pct = tracker.percent();
            if (pct !== last) {
              last = pct;
              onProgress(pct);
            }
          }
        }
      } catch (err) {
        res.destroy();
        throw pullError(ref, err);
      }
      if (last !== 100) onProgress(100);
    },
    async logs(id, { tail, follow, since }) {
      return transport.stream({
        path: `/containers/${id}/logs`,
        query: {
          stdout: 1,
          stderr: 1,
          timestamps: 1,
          follow: follow ? 1 : 0,
          tail: tail === undefined ? 'all' : tail,
          since,
        },
      });
    },
    async stats(id, opts) {
      // stream=false waits for a second sample, so precpu_stats is filled and CPU % is real.
      return (
        await transport.json<RawStats>({
          path: `/containers/${id}/stats`,
          query: { stream: 'false', ...(opts?.oneShot ? { 'one-shot': 'true' } : {}) },
        })
      ).body;
    },
    async events(filters) {
      return transport.stream({ path: '/events', query: { filters: JSON.stringify(filters) } });
    },
    async listNetworks(project) {
      const { body } = await transport.json<LabelledObject[]>({
        path: '/networks',
        query: { filters: projectFilter(project) },
      });
      return body;
    },
    async removeNetwork(idOrName) {
      await transport.json({ method: 'DELETE', path: `/networks/${idOrName}` }).catch(ignore404);
    },
    async networkSubnets() {
      const { body } = await transport.json<
        { IPAM?: { Config?: { Subnet?: string }[] | null } | null }[]
      >({ path: '/networks' });
      return body.flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => c.Subnet ?? []));
    },
    async listVolumes(project) {
      const { body } = await transport.json<{ Volumes: LabelledObject[] | null }>({
        path: '/volumes',
        query: { filters: projectFilter(project) },
      });
      return body.Volumes ?? [];
    },
    async removeVolume(name) {
      await transport
        .json({
          method: 'DELETE',
          path: `/volumes/${encodeURIComponent(name)}`,
          query: { force: 1 },
        })
        .catch(ignore404);
    },
  };
}

function pullError(ref: string, err: unknown): DockerError {
  if (err instanceof DockerError) {
    if (err.code === ErrorCode.PULL_FAILED || err.code === ErrorCode.DOCKER_UNAVAILABLE) return err;
    return new DockerError(
      ErrorCode.PULL_FAILED,
      `Pulling ${ref} failed: ${err.message}`,
      { image: ref, ...err.data },
      err.transient,
    );
  }
  const e = err as NodeJS.ErrnoException;
  return new DockerError(
    ErrorCode.PULL_FAILED,
    `Pulling ${ref} failed: ${e.message}`,
    { image: ref },
    e.code === 'ECONNRESET',
  );
}
