import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import { findShortfalls, type HostReadings, type ResourceThresholds } from '../system/resources';

/**
 * Refuses with INSUFFICIENT_RESOURCES and data naming each shortfall (e.g. `memoryMissingMb`).
 * The queue checks when a creation's turn comes, and start/restart check before bringing a
 * stopped stack up, because the host may have filled up meanwhile.
 */
export async function checkResources(
  thresholds: ResourceThresholds,
  readHost: () => Promise<HostReadings>,
): Promise<HostReadings> {
  const host = await readHost();
  const { missing, sentences } = findShortfalls(host, thresholds);
  if (sentences.length > 0) {
    throw new AgentError(
      ErrorCode.INSUFFICIENT_RESOURCES,
      `This server lacks room for another instance: ${sentences.join('; ')}. ` +
        'Free resources, delete unused instances, or lower the thresholds in the agent config.',
      { ...missing, host, thresholds },
    );
  }
  return host;
}
