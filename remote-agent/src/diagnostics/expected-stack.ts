import type { InstanceSecrets } from '../credentials/secrets';
import type { Instance } from '../protocol/types';
import { renderStack, type RenderedStack } from '../stack/render';
import { stackServices } from '../stack/services';

/**
 * What the registry implies for an instance: the same rendering creation wrote, so a file that
 * differs from it was damaged or edited. Logs are off for every instance the agent creates.
 */
export function expectedStack(
  instance: Instance,
  secrets: InstanceSecrets,
  config: { images: Readonly<Record<string, string>>; externalHost?: string },
): RenderedStack {
  return renderStack({
    instanceId: instance.id,
    name: instance.name,
    ports: instance.ports,
    exposure: instance.exposure,
    externalHost: config.externalHost ?? null,
    secrets,
    imageOverrides: config.images,
  });
}

export const EXPECTED_SERVICES: readonly string[] = stackServices(false).map((s) => s.name);
