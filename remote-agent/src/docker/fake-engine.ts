import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { readStack } from '../lifecycle/stack-file';
import { ErrorCode } from '@protocol/error-codes';
import type { Compose, ComposeAction, ComposeProject } from './compose';
import {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  type ContainerInspect,
  type ContainerSummary,
  type DockerEngine,
  type LabelledObject,
} from './engine';
import { DockerError } from './docker-error';
import type { RawStats } from './stats-math';

/**
 * An in-memory Docker for millisecond unit tests of the logic around it (creation rollback,
 * locks, reconcile, repair). It keeps containers, networks and volumes per compose project and
 * answers the Engine API calls the agent makes; `FakeCompose` turns `up`/`down`/`stop`/… into
 * changes of that state. The real engine is tested once, for real, on the rig.
 */
export interface FakeContainer {
  id: string;
  project: string;
  service: string;
  image: string;
  status: 'running' | 'exited' | 'created' | 'dead';
  health: 'healthy' | 'starting' | 'unhealthy' | undefined;
  restarts: number;
  exitCode: number;
  log: string[];
}

export class FakeDockerEngine implements DockerEngine {
  readonly socketPath = '/fake/docker.sock';
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, LabelledObject>();
  readonly volumes = new Map<string, LabelledObject>();
  readonly images = new Set<string>();
  /** Every call, by method name, in order. */
  readonly calls: string[] = [];
  /** While true, every call fails the way a stopped dockerd does. */
  unavailable = false;
  /** Health a service's container gets when it starts (default healthy). */
  healthOnStart: (service: string) => FakeContainer['health'] = () => 'healthy';
  private counter = 0;
  private readonly eventStreams = new Set<PassThrough>();

  private enter(method: string): void {
    this.calls.push(method);
    if (this.unavailable) {
      throw new DockerError(ErrorCode.DOCKER_UNAVAILABLE, 'Cannot reach Docker (fake is down).');
    }
  }

  /** Creates or restarts the container of one service, as `compose up` would. */
  startService(project: string, service: string, image: string): FakeContainer {
    let c = [...this.containers.values()].find(
      (x) => x.project === project && x.service === service,
    );
    if (!c) {
      c = {
        id: `c${++this.counter}`,
        project,
        service,
        image,
        status: 'running',
        health: undefined,
        restarts: 0,
        exitCode: 0,
        log: [`${service} started`],
      };
      this.containers.set(c.id, c);
    }
    c.status = 'running';
    c.health = this.healthOnStart(service);
    const net = `${project}_default`;
    if (!this.networks.has(net)) {
      this.networks.set(net, {
        Name: net,
        Id: `n${++this.counter}`,
        Labels: { [COMPOSE_PROJECT_LABEL]: project },
      });
    }
    this.emitEvent(project, 'start');
    return c;
  }

  projectContainers(project: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.project === project);
  }

  /** Anything left with the project's label (what a rollback or a delete must remove). */
  leftovers(project: string): string[] {
    return [
      ...this.projectContainers(project).map((c) => `container ${c.service}`),
      ...[...this.networks.values()]
        .filter((n) => n.Labels?.[COMPOSE_PROJECT_LABEL] === project)
        .map((n) => `network ${n.Name}`),
      ...[...this.volumes.values()]
        .filter((v) => v.Labels?.[COMPOSE_PROJECT_LABEL] === project)
        .map((v) => `volume ${v.Name}`),
    ];
  }

  /** Pushes a container event to every open event stream, as dockerd does. */
  emitEvent(project: string, action: string): void {
    const line = JSON.stringify({
      Type: 'container',
      Action: action,
      Actor: { ID: 'x', Attributes: { [COMPOSE_PROJECT_LABEL]: project } },
      time: Math.floor(Date.now() / 1000),
    });
    for (const s of this.eventStreams) s.write(`${line}\n`);
  }

  async ping(): Promise<void> {
    this.enter('ping');
  }
  async version() {
    this.enter('version');
    return { version: '27.0.0-fake', apiVersion: '1.46' };
  }
  async listContainers(opts: { project?: string; all?: boolean }): Promise<ContainerSummary[]> {
    this.enter('listContainers');
    return [...this.containers.values()]
      .filter((c) => !opts.project || c.project === opts.project)
      .filter((c) => opts.all || c.status === 'running')
      .map((c) => ({
        Id: c.id,
        Names: [`/${c.project}-${c.service}-1`],
        Image: c.image,
        State: c.status,
        Status: c.status,
        Labels: { [COMPOSE_PROJECT_LABEL]: c.project, [COMPOSE_SERVICE_LABEL]: c.service },
        Ports: [],
      }));
  }
  async inspectContainer(id: string): Promise<ContainerInspect> {
    this.enter('inspectContainer');
    const c = this.containers.get(id);
    if (!c) throw new DockerError(ErrorCode.NOT_FOUND, `No such container: ${id}`, { status: 404 });
    return {
      Id: c.id,
      Name: `/${c.project}-${c.service}-1`,
      RestartCount: c.restarts,
      State: {
        Status: c.status,
        Running: c.status === 'running',
        Restarting: false,
        OOMKilled: false,
        ExitCode: c.exitCode,
        ...(c.health ? { Health: { Status: c.health } } : {}),
      },
      Config: {
        Tty: true,
        Labels: { [COMPOSE_PROJECT_LABEL]: c.project, [COMPOSE_SERVICE_LABEL]: c.service },
      },
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' } },
    };
  }
  async removeContainer(id: string): Promise<void> {
    this.enter('removeContainer');
    const c = this.containers.get(id);
    this.containers.delete(id);
    if (c) this.emitEvent(c.project, 'destroy');
  }
  async imageExists(ref: string): Promise<boolean> {
    this.enter('imageExists');
    return this.images.has(ref);
  }
  async pullImage(ref: string, onProgress: (percent: number) => void): Promise<void> {
    this.enter('pullImage');
    onProgress(100);
    this.images.add(ref);
  }
  async logs(id: string): Promise<IncomingMessage> {
    this.enter('logs');
    const stream = new PassThrough();
    stream.end((this.containers.get(id)?.log ?? []).map((l) => `${l}\n`).join(''));
    return stream as unknown as IncomingMessage;
  }
  async stats(): Promise<RawStats> {
    this.enter('stats');
    return { memory_stats: { usage: 1024, limit: 4096 } };
  }
  async events(): Promise<IncomingMessage> {
    this.enter('events');
    const stream = new PassThrough();
    this.eventStreams.add(stream);
    stream.on('close', () => this.eventStreams.delete(stream));
    return stream as unknown as IncomingMessage;
  }
  async listNetworks(project: string): Promise<LabelledObject[]> {
    this.enter('listNetworks');
    return [...this.networks.values()].filter((n) => n.Labels?.[COMPOSE_PROJECT_LABEL] === project);
  }
  /** Subnets the test claims the engine holds besides its projects' networks. */
  readonly foreignSubnets: string[] = [];
  async networkSubnets(): Promise<string[]> {
    this.enter('networkSubnets');
    return [...this.foreignSubnets];
  }
  async removeNetwork(idOrName: string): Promise<void> {
    this.enter('removeNetwork');
    for (const [name, n] of this.networks) {
      if (name === idOrName || n.Id === idOrName) this.networks.delete(name);
    }
  }
  async listVolumes(project: string): Promise<LabelledObject[]> {
    this.enter('listVolumes');
    return [...this.volumes.values()].filter((v) => v.Labels?.[COMPOSE_PROJECT_LABEL] === project);
  }
  async removeVolume(name: string): Promise<void> {
    this.enter('removeVolume');
    this.volumes.delete(name);
  }
}

/**
 * Compose over the fake engine: reads the real rendered compose file for the service list,
 * so a test runs the same files the agent wrote. `failOn` makes one action fail the way the
 * CLI does (a DockerError with the action's code); `gate` holds an action until released, for
 * tests that need an operation in flight.
 */
export class FakeCompose implements Compose {
  readonly version = '2.29.0-fake';
  readonly runs: string[] = [];
  /** Every run with its extra arguments (service names, flags), in order. */
  readonly runArgs: Array<{ action: ComposeAction; project: string; extra: string[] }> = [];
  failOn: Partial<Record<ComposeAction, DockerError>> = {};
  gate: Partial<Record<ComposeAction, Promise<void>>> = {};

  constructor(private readonly engine: FakeDockerEngine) {}

  async run(
    project: ComposeProject,
    action: ComposeAction,
    opts: { extra?: string[] } = {},
  ): Promise<string> {
    this.runs.push(`${action} ${project.name}`);
    this.runArgs.push({ action, project: project.name, extra: opts.extra ?? [] });
    await this.gate[action];
    const failure = this.failOn[action];
    if (failure) throw failure;
    const e = this.engine;
    if (e.unavailable) {
      throw new DockerError(ErrorCode.DOCKER_UNAVAILABLE, 'Cannot reach Docker (fake is down).');
    }
    switch (action) {
      case 'up':
      case 'start':
      case 'restart': {
        const stack = await readStack(project.dir);
        for (const service of stack.services) {
          e.startService(project.name, service, stack.images.get(service) ?? 'unknown');
        }
        const volume = `${project.name}_db-data`;
        e.volumes.set(volume, { Name: volume, Labels: { [COMPOSE_PROJECT_LABEL]: project.name } });
        return '';
      }
      case 'stop':
        for (const c of e.projectContainers(project.name)) {
          c.status = 'exited';
          e.emitEvent(project.name, 'stop');
        }
        return '';
      case 'down':
        for (const c of e.projectContainers(project.name)) e.containers.delete(c.id);
        e.networks.delete(`${project.name}_default`);
        for (const [name, v] of e.volumes) {
          if (v.Labels?.[COMPOSE_PROJECT_LABEL] === project.name) e.volumes.delete(name);
        }
        return '';
      case 'config':
        return '';
    }
  }
}
