import type { Compose } from '../docker/compose';
import type { InstanceFiles, StackFileWriter } from '../instances/files';
import type { InstanceLocks } from '../instances/state';
import type { Instance } from '@protocol/types';

/**
 * The services whose environment carries the public URL (auth: API_EXTERNAL_URL; studio and
 * functions: SUPABASE_PUBLIC_URL; storage: STORAGE_PUBLIC_URL). Only these are recreated when
 * it changes; the database, Kong and the rest keep running.
 */
export const PUBLIC_URL_SERVICES = ['auth', 'storage', 'studio', 'functions'] as const;

/** Puts an instance's re-rendered stack into effect after its public URL changed. */
export interface PublicUrlApplier {
  apply(instance: Instance): Promise<void>;
}

/**
 * The smallest restart available without the settings apply path: the stack files are rendered
 * again (now with the domain's URL), then `compose up --no-deps` on the services that carry the
 * URL, which recreates those containers only. A stopped instance just gets its files: it starts
 * with them. Runs under the instance's lock, so it never races a start, stop or repair.
 */
export function recreatingApplier(deps: {
  files: InstanceFiles;
  writer: StackFileWriter;
  locks: InstanceLocks;
  compose(): Promise<Compose>;
}): PublicUrlApplier {
  return {
    async apply(instance) {
      await deps.locks.run(instance.id, 'restart', async () => {
        const secrets = await deps.files.readSecrets(instance.id);
        const dir = deps.files.dir(instance.id);
        await deps.writer.write(dir, { instance, secrets });
        if (instance.status !== 'running' && instance.status !== 'degraded') return;
        const compose = await deps.compose();
        await compose.run({ name: instance.project, dir }, 'up', {
          extra: ['--no-deps', ...PUBLIC_URL_SERVICES],
          timeoutMs: 5 * 60_000,
        });
      });
    },
  };
}
