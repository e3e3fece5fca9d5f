import type { ApiError } from '../../api';
import {
  OPTIONAL_SERVICE_DEFAULTS,
  OPTIONAL_SERVICES,
  type OptionalService,
  type OptionalServices,
  type ProjectSize,
} from '@protocol/types';

/** The sizes the dialog offers; `custom` stays a CLI choice (`projects resize … custom`). */
export const DIALOG_SIZES = ['small', 'medium', 'large'] as const;
export type DialogSize = (typeof DIALOG_SIZES)[number];

/** What the project runs now, every optional service named (absent keys take the defaults). */
export function servicesNow(
  chosen: OptionalServices | undefined,
): Record<OptionalService, boolean> {
  return { ...OPTIONAL_SERVICE_DEFAULTS, ...chosen };
}

/**
 * Only what differs from the project as it is: the agent then recreates only what that touches,
 * and an unchanged form sends nothing at all.
 */
export function changeFrom(
  current: { size?: ProjectSize; optionalServices?: OptionalServices },
  wanted: { size: DialogSize; services: Record<OptionalService, boolean> },
): { size?: ProjectSize; optionalServices?: OptionalServices } {
  const change: { size?: ProjectSize; optionalServices?: OptionalServices } = {};
  // A project from before sizes counts as medium on the agent.
  const size = current.size ?? { profile: 'medium' };
  if (size.profile !== wanted.size) change.size = { profile: wanted.size };
  const now = servicesNow(current.optionalServices);
  const services: OptionalServices = {};
  for (const s of OPTIONAL_SERVICES)
    if (now[s] !== wanted.services[s]) services[s] = wanted.services[s];
  if (Object.keys(services).length > 0) change.optionalServices = services;
  return change;
}

export function isEmptyChange(change: ReturnType<typeof changeFrom>): boolean {
  return change.size === undefined && change.optionalServices === undefined;
}

/** The memory numbers of an INSUFFICIENT_RESOURCES refusal, when the agent sent them. */
export interface MemoryRefusal {
  requestedMb: number;
  freeMb: number;
  allowedMb: number;
  totalMb: number;
  overcommit: number;
}

export function memoryRefusal(error: Pick<ApiError, 'code' | 'data'>): MemoryRefusal | undefined {
  if (error.code !== 'INSUFFICIENT_RESOURCES' || !error.data) return undefined;
  const d = error.data as Record<string, unknown>;
  const n = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : undefined);
  const requestedMb = n('memoryRequestedMb');
  const freeMb = n('memoryFreeMb');
  const allowedMb = n('memoryAllowedMb');
  const totalMb = n('memoryTotalMb');
  const overcommit = n('overcommit');
  if (
    requestedMb === undefined ||
    freeMb === undefined ||
    allowedMb === undefined ||
    totalMb === undefined ||
    overcommit === undefined
  ) {
    return undefined;
  }
  return { requestedMb, freeMb, allowedMb, totalMb, overcommit };
}
