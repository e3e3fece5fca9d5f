import {
  OPTIONAL_SERVICE_DEFAULTS,
  type OptionalService,
  type OptionalServices,
} from '@protocol/types';
import type { ComposeBody, ServiceDefinition, StackServiceName } from './definition';
import type { YamlValue } from '../yaml';

/** Which stack services each optional choice switches; everything else always runs. */
const SWITCHED: Readonly<Partial<Record<StackServiceName, OptionalService>>> = {
  functions: 'functions',
  realtime: 'realtime',
  imgproxy: 'imgproxy',
  studio: 'studio',
  analytics: 'logs',
  vector: 'logs',
};

/** The project's choices with the defaults filled in. */
export function resolveOptional(
  chosen: OptionalServices | undefined,
): Record<OptionalService, boolean> {
  return { ...OPTIONAL_SERVICE_DEFAULTS, ...(chosen ?? {}) };
}

/** Whether a project with these choices runs the service. */
export function runsService(name: StackServiceName, chosen: OptionalServices | undefined): boolean {
  const switch_ = SWITCHED[name];
  return switch_ === undefined || resolveOptional(chosen)[switch_];
}

/** The definitions a project with these choices runs, in compose order. */
export function selectServices<T extends ServiceDefinition>(
  all: readonly T[],
  chosen: OptionalServices | undefined,
): T[] {
  return all.filter((s) => runsService(s.name, chosen));
}

/**
 * A service's body with references to services the project does not run taken out: a
 * `depends_on` on a missing service makes compose refuse the whole file, and Storage must not
 * send image transformations to an imgproxy that is not there.
 */
export function withoutAbsent(
  name: StackServiceName,
  body: ComposeBody,
  present: ReadonlySet<string>,
): ComposeBody {
  let next = body;
  const dependsOn = body.depends_on;
  if (dependsOn && typeof dependsOn === 'object' && !Array.isArray(dependsOn)) {
    const kept = Object.entries(dependsOn).filter(([service]) => present.has(service));
    if (kept.length !== Object.keys(dependsOn).length) {
      next = { ...next, depends_on: kept.length > 0 ? Object.fromEntries(kept) : undefined };
    }
  }
  if (name === 'storage' && !present.has('imgproxy')) {
    const environment = { ...(body.environment as Record<string, YamlValue>) };
    environment.ENABLE_IMAGE_TRANSFORMATION = 'false';
    delete environment.IMGPROXY_URL;
    next = { ...next, environment };
  }
  return next;
}

/** The host part of a Kong upstream URL (`http://functions:9000/` → `functions`). */
export function upstreamHost(url: string): string {
  return /^[a-z]+:\/\/([^:/]+)/.exec(url)?.[1] ?? '';
}
