import type { DockerEngine } from '../docker/engine';
import { withRetry } from '../docker/retry';
import type { ProgressLog } from '../lifecycle/progress';

/**
 * Pulls the images an upgrade needs, before anything of the project changes: a registry that
 * fails leaves the project untouched on its release. One progress event per image and every
 * 5 % (the same `pull` step creation shows).
 */
export async function pullForUpgrade(
  engine: DockerEngine,
  progress: ProgressLog,
  id: string,
  images: readonly string[],
  retry: { attempts: number; baseDelayMs: number },
): Promise<number> {
  let pulled = 0;
  for (const image of images) {
    if (await engine.imageExists(image)) {
      progress.record(id, {
        step: 'pull',
        status: 'progress',
        image,
        percent: 100,
        message: 'present locally, not pulled',
      });
      continue;
    }
    let last = -5;
    await withRetry(
      () =>
        engine.pullImage(image, (percent) => {
          if (percent === 100 || percent - last >= 5) {
            last = percent;
            progress.record(id, { step: 'pull', status: 'progress', image, percent });
          }
        }),
      {
        ...retry,
        onRetry: (attempt, err, delayMs) =>
          progress.record(id, {
            step: 'pull',
            status: 'retry',
            image,
            attempt,
            message: `${err.message} — trying again in ${Math.round(delayMs / 1000)} s`,
          }),
      },
    );
    pulled++;
  }
  return pulled;
}
