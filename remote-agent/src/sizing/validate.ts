import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { ProjectSize } from '@protocol/types';

/** Largest custom size: 1 TB of memory, 256 cores per service. */
const MAX_CUSTOM_MEMORY_MB = 1024 * 1024;
const MAX_CUSTOM_CPUS = 256;
const MIN_CUSTOM_MEMORY_MB = 512;

/** INVALID_PARAMS with the reason for a size that makes no sense, else the size as stored. */
export function checkSize(size: ProjectSize): ProjectSize {
  const fail = (reason: string) => {
    throw new AgentError(ErrorCode.INVALID_PARAMS, reason, { field: 'size', reason });
  };
  if (size.profile !== 'custom') {
    if (size.memoryMb !== undefined || size.cpus !== undefined) {
      fail(`Only a custom size takes memoryMb and cpus; "${size.profile}" has its own.`);
    }
    return { profile: size.profile };
  }
  const { memoryMb, cpus } = size;
  if (
    memoryMb === undefined ||
    !Number.isInteger(memoryMb) ||
    memoryMb < MIN_CUSTOM_MEMORY_MB ||
    memoryMb > MAX_CUSTOM_MEMORY_MB
  ) {
    fail(
      `A custom size needs memoryMb, a whole number from ${MIN_CUSTOM_MEMORY_MB} to ${MAX_CUSTOM_MEMORY_MB}.`,
    );
  }
  if (cpus === undefined || !(cpus >= 0.1 && cpus <= MAX_CUSTOM_CPUS)) {
    fail(`A custom size needs cpus, from 0.1 to ${MAX_CUSTOM_CPUS} cores per service.`);
  }
  return { profile: 'custom', memoryMb, cpus: Math.round(cpus! * 100) / 100 };
}
