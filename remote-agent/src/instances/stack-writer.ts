import { renderStack, writeStackFiles } from '../stack';
import type { StackFileWriter } from './files';
import { stackInputFor, type StackSettings } from './stack-input';

/** The real writer: the stack module renders from registry facts, then writes atomically. */
export function stackFileWriter(settings: StackSettings): StackFileWriter {
  return {
    async write(dir, { instance, secrets }) {
      await writeStackFiles(dir, renderStack(stackInputFor(instance, secrets, settings)));
    },
  };
}
