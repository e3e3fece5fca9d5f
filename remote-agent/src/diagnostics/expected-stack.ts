import type { InstanceSecrets } from '../credentials/secrets';
import { stackInputFor, type StackSettings } from '../instances/stack-input';
import type { Instance } from '@protocol/types';
import { renderStack, type RenderedStack } from '../stack/render';
import { STACK_SERVICES, stackServices } from '../stack/services';
import { selectServices } from '../stack/services/selection';

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

/**
 * The services this instance runs: its optional choices decide (a service turned off is never
 * "missing"); an instance from before the choices runs EXPECTED_SERVICES.
 */
export function expectedServicesFor(instance: Instance): readonly string[] {
  if (!instance.optionalServices) return EXPECTED_SERVICES;
  return selectServices(STACK_SERVICES, instance.optionalServices).map((s) => s.name);
}
