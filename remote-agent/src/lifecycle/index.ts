export { createLifecycle, type DockerLifecycle, type LifecycleOptions } from './lifecycle';
export { checkResources } from './resources';
export type { Lifecycle, LifecycleDeps, InstanceRegistry, LogSink } from './types';
