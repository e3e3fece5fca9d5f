import type { InstancePorts, ServiceState } from '../protocol/types';

/**
 * What the Docker side offers for one compose project (`ub_<id>`). The instances service does
 * not call it directly: it goes through `Lifecycle` (lifecycle/types.ts), which sequences these
 * steps (queue, pulls, health waits, rollback). This interface is the narrower seam below it,
 * so the lifecycle can be tested against a fake runtime and the real one against real Docker.
 */
export interface StackRuntime {
  /** Pulls missing images and brings the project up from the files in `dir`. */
  create(project: StackProject, onProgress?: (progress: RuntimeProgress) => void): Promise<void>;
  start(project: StackProject): Promise<void>;
  stop(project: StackProject): Promise<void>;
  /** Removes containers, the project network and its volumes; the files stay. */
  delete(project: StackProject): Promise<void>;
  states(project: StackProject): Promise<ServiceState[]>;
  /** Host ports published by any container on the engine, ub_* or not. */
  publishedPorts(): Promise<Set<number>>;
  /** Container state changes of ub_* projects, as they happen. Returns an unsubscribe. */
  events(listener: (event: RuntimeEvent) => void): () => void;
}

export interface StackProject {
  instanceId: string;
  /** `ub_<id>`: the compose project name, so no two instances share a container name. */
  name: string;
  dir: string;
  ports: InstancePorts;
}

export interface RuntimeProgress {
  step: 'pull' | 'start' | 'health';
  image?: string;
  service?: string;
  percent?: number;
  message?: string;
}

export interface RuntimeEvent {
  instanceId: string;
  service: string;
  action: 'start' | 'die' | 'health_status' | 'oom' | 'destroy';
  health?: ServiceState['health'];
  exitCode?: number;
}
