import { readHost, type HostReadings } from '../system/resources';
import { createCompose, detectCompose, type Compose } from './compose';
import { createDockerEngine, type DockerEngine } from './engine';
import { DockerEventFollower, type FollowerHandlers } from './event-follower';
import { lastLogLines } from './last-logs';

/**
 * Everything the agent knows about the machine it manages, built once by server.ts and handed
 * to the lifecycle, health (diagnose, repair, scheduler), the port allocator and
 * `system.resources`: one Engine API client, one compose CLI (detected once), one follower of
 * Docker's events, one host probe. Two of any of these used to disagree (two CPU counts, two
 * compose detections, two event streams).
 */
export interface DockerHost {
  readonly engine: DockerEngine;
  /** The compose CLI, detected on first use; a failure is not cached, so installing it helps. */
  compose(): Promise<Compose>;
  /** Memory, disk (of the data directory), load and CPUs now. */
  readHost(): Promise<HostReadings>;
  /**
   * Whether the engine's event stream is open now and since when (epoch ms): the one signal of
   * "dockerd is away or just came back" that recovery and the repair scheduler read. Before the
   * first listener starts the stream it reads as disconnected.
   */
  engineLink(): EngineLink;
  /** Container events of Ultrabase projects; the one event stream starts with the first listener. */
  onEvents(listener: FollowerHandlers): () => void;
  /** The last lines of one service's log, for a failure record. */
  tailLogs(project: string, service: string, lines?: number): Promise<string[]>;
  /** Host ports published by any container (the port allocator avoids them). */
  publishedPorts(): Promise<Set<number>>;
  versions(): Promise<{ docker?: string; compose?: string }>;
  close(): Promise<void>;
}

export interface EngineLink {
  connected: boolean;
  since: number;
}

export interface DockerHostOptions {
  dataDir: string;
  /** Seams for tests; the defaults are the real engine, compose CLI and /proc. */
  engine?: DockerEngine;
  compose?: Compose;
  readHost?: (dataDir: string) => Promise<HostReadings>;
  now?: () => number;
}

export function createDockerHost(options: DockerHostOptions): DockerHost {
  const engine = options.engine ?? createDockerEngine();
  const probe = options.readHost ?? readHost;
  let composePromise: Promise<Compose> | undefined = options.compose
    ? Promise.resolve(options.compose)
    : undefined;
  const listeners = new Set<FollowerHandlers>();
  let follower: DockerEventFollower | undefined;
  const now = options.now ?? Date.now;
  const link: EngineLink = { connected: false, since: now() };
  const setLink = (connected: boolean) => {
    if (link.connected === connected) return;
    link.connected = connected;
    link.since = now();
  };

  function compose(): Promise<Compose> {
    composePromise ??= detectCompose().then(createCompose);
    return composePromise.catch((err: unknown) => {
      composePromise = undefined;
      throw err;
    });
  }

  return {
    engine,
    compose,
    readHost: () => probe(options.dataDir),
    engineLink: () => ({ ...link }),
    onEvents(listener) {
      listeners.add(listener);
      if (!follower) {
        follower = new DockerEventFollower(engine, {
          onEvent: (project, event) => {
            for (const l of listeners) l.onEvent(project, event);
          },
          onReconnected: () => {
            for (const l of listeners) l.onReconnected();
          },
          onDisconnected: (error) => {
            setLink(false);
            for (const l of listeners) l.onDisconnected?.(error);
          },
          onConnected: () => {
            setLink(true);
            for (const l of listeners) l.onConnected?.();
          },
        });
        follower.start();
      }
      return () => listeners.delete(listener);
    },
    tailLogs: (project, service, lines) => lastLogLines(engine, project, service, lines),
    async publishedPorts() {
      const ports = new Set<number>();
      for (const c of await engine.listContainers({ all: true })) {
        for (const p of c.Ports ?? []) if (p.PublicPort) ports.add(p.PublicPort);
      }
      return ports;
    },
    async versions() {
      const docker = await engine.version().then(
        (v) => v.version,
        () => undefined,
      );
      const cmp = await compose().then(
        (c) => c.version,
        () => undefined,
      );
      return { docker, compose: cmp };
    },
    async close() {
      listeners.clear();
      await follower?.stop();
      follower = undefined;
      setLink(false);
    },
  };
}
