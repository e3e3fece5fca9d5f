import type { ProjectSize, ServerCapacity } from '@protocol/types';

export interface PlacementCandidate {
  serverId: string;
  serverName: string;
  capacity: ServerCapacity;
}

export interface Placement {
  chosen: PlacementCandidate;
  /** How many more projects of the size fit there (custom: MB of memory left). */
  headroom: number;
  /** The next best server and its headroom, for the one-line explanation. */
  runnerUp?: { serverName: string; headroom: number };
}

/** How much room a server has for one more project of this size. */
export function headroomFor(capacity: ServerCapacity, size: ProjectSize): number {
  return size.profile === 'custom' ? capacity.memoryFreeMb : capacity.fits[size.profile];
}

function fitsOne(capacity: ServerCapacity, size: ProjectSize): boolean {
  return size.profile === 'custom'
    ? capacity.memoryFreeMb >= (size.memoryMb ?? 0)
    : capacity.fits[size.profile] > 0;
}

/**
 * "Best fit" across the fleet: the server with the most headroom for the chosen size (most
 * projects of that size still fitting, then the most free memory), or undefined when none has
 * room for one.
 */
export function pickServer(
  candidates: readonly PlacementCandidate[],
  size: ProjectSize,
): Placement | undefined {
  const ranked = candidates
    .filter((c) => fitsOne(c.capacity, size))
    .sort(
      (a, b) =>
        headroomFor(b.capacity, size) - headroomFor(a.capacity, size) ||
        b.capacity.memoryFreeMb - a.capacity.memoryFreeMb ||
        a.serverName.localeCompare(b.serverName),
    );
  const [chosen, next] = ranked;
  if (!chosen) return undefined;
  return {
    chosen,
    headroom: headroomFor(chosen.capacity, size),
    ...(next
      ? { runnerUp: { serverName: next.serverName, headroom: headroomFor(next.capacity, size) } }
      : {}),
  };
}
