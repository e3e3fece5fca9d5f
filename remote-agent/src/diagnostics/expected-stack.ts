import type { InstanceSecrets } from '../credentials/secrets';
import { stackInputFor, type StackSettings } from '../instances/stack-input';
import type { Instance } from '@protocol/types';
import { renderStack, type RenderedStack } from '../stack/render';
import { stackServices } from '../stack/services';

/**
 * What the registry implies for an instance: the same rendering creation wrote (the same
 * `stackInputFor`, the same settings), so a file that differs from it was damaged or edited.
 * Logs are off for every instance the agent creates.
 */
export function expectedStack(
  instance: Instance,
  secrets: InstanceSecrets,
  settings: StackSettings,
): RenderedStack {
  return renderStack(stackInputFor(instance, secrets, settings));
}

export const EXPECTED_SERVICES: readonly string[] = stackServices(false).map((s) => s.name);
