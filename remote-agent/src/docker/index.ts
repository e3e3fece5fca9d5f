export { DockerError } from './docker-error';
export {
  createTransport,
  dockerSocketPath,
  type EngineTransport,
  type EngineRequest,
} from './transport';
export {
  createDockerEngine,
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  type DockerEngine,
  type ContainerSummary,
  type ContainerInspect,
  type DockerEvent,
} from './engine';
export {
  createCompose,
  detectCompose,
  runCommand,
  type Compose,
  type ComposeProject,
  type CommandRunner,
} from './compose';
export { withRetry, sleep } from './retry';
export { FrameDemuxer, JsonLines, type RawLogLine } from './frames';
export { summarizeStats } from './stats-math';
