export { createLifecycle, type DockerLifecycle, type LifecycleOptions } from './lifecycle';
export {
  checkResources,
  probeHost,
  findShortfalls,
  type HostResources,
  type HostProbe,
} from './resources';
export { LifecycleError, describeError } from './errors';
export type { Lifecycle, LifecycleDeps, InstanceRegistry, LogSink } from './types';
