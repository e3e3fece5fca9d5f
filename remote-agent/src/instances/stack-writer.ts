import { renderStack, writeStackFiles } from '../stack';
import type { StackFileWriter } from './files';

/** The real writer: the stack module renders from registry facts, then writes atomically. */
export function stackFileWriter(config: {
  images: Readonly<Record<string, string>>;
  externalHost?: string;
}): StackFileWriter {
  return {
    async write(dir, { instance, secrets }) {
      const rendered = renderStack({
        instanceId: instance.id,
        name: instance.name,
        ports: instance.ports,
        exposure: instance.exposure,
        externalHost: config.externalHost ?? null,
        secrets,
        imageOverrides: config.images,
      });
      await writeStackFiles(dir, rendered);
    },
  };
}
