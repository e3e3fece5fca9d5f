import type { ProjectSize } from '@protocol/types';
import type { StackServiceName } from '../stack/services/definition';

type Fixed = 'small' | 'medium' | 'large';

/**
 * Memory limit (MB) of each service per profile. Sources and reasoning: docs/capacity.md. In
 * short: idle figures of the official images reported upstream (Postgres ~100–200 MB, Logflare
 * ~300 MB idle and growing, Realtime and Supavisor (BEAM) ~150 MB, Studio (Next.js) ~150 MB,
 * Kong with two workers ~120 MB, the Go/Rust services tens of MB), with headroom so a small
 * project still starts and serves light traffic; medium doubles the busy ones, large doubles
 * again. Postgres takes the largest share because its cache is where more memory pays off.
 */
export const MEMORY_MB: Readonly<Record<StackServiceName, Readonly<Record<Fixed, number>>>> = {
  db: { small: 256, medium: 1024, large: 2048 },
  kong: { small: 160, medium: 256, large: 512 },
  auth: { small: 64, medium: 128, large: 256 },
  rest: { small: 64, medium: 128, large: 256 },
  realtime: { small: 192, medium: 256, large: 512 },
  storage: { small: 128, medium: 192, large: 384 },
  imgproxy: { small: 64, medium: 128, large: 256 },
  meta: { small: 96, medium: 128, large: 256 },
  functions: { small: 128, medium: 256, large: 512 },
  studio: { small: 192, medium: 256, large: 384 },
  supavisor: { small: 160, medium: 256, large: 512 },
  analytics: { small: 384, medium: 768, large: 1024 },
  vector: { small: 64, medium: 128, large: 128 },
};

/** CPU cap (cores) of each service: Postgres gets twice the others. */
export const CPUS: Readonly<Record<Fixed, { db: number; other: number }>> = {
  small: { db: 1, other: 0.5 },
  medium: { db: 2, other: 1 },
  large: { db: 4, other: 2 },
};

/** New projects get this size unless the request names one. */
export const DEFAULT_SIZE: ProjectSize = { profile: 'medium' };

/** A custom size below this per service would not let the images start. */
export const MIN_SERVICE_MEMORY_MB = 32;

export interface ServiceLimits {
  memoryMb: number;
  cpus: number;
}

/** The limits of one service of a project of this size. */
export function serviceLimits(
  size: ProjectSize,
  service: StackServiceName,
  services: readonly StackServiceName[],
): ServiceLimits {
  if (size.profile !== 'custom') {
    const cpu = CPUS[size.profile];
    return {
      memoryMb: MEMORY_MB[service][size.profile],
      cpus: service === 'db' ? cpu.db : cpu.other,
    };
  }
  // Custom: the project's memory split over its services in medium's proportions.
  const weights = services.reduce((sum, s) => sum + MEMORY_MB[s].medium, 0);
  const share = ((size.memoryMb ?? 0) * MEMORY_MB[service].medium) / weights;
  return {
    memoryMb: Math.max(MIN_SERVICE_MEMORY_MB, Math.floor(share)),
    cpus: size.cpus ?? 1,
  };
}

/** The memory the limits of a project of this size commit, over the services it runs. */
export function projectMemoryMb(size: ProjectSize, services: readonly StackServiceName[]): number {
  return services.reduce((sum, s) => sum + serviceLimits(size, s, services).memoryMb, 0);
}

/** One line for people: `small`, or `custom (3072 MB, 1.5 CPU)`. */
export function describeSize(size: ProjectSize): string {
  return size.profile === 'custom'
    ? `custom (${size.memoryMb} MB, ${size.cpus} CPU)`
    : size.profile;
}
