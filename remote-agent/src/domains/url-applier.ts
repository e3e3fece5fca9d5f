import type { StackChange, StackChangeResult } from '../lifecycle/apply';
import type { InstanceUrls } from '@protocol/types';

/** Where an instance's URLs go after its domains changed. */
export interface UrlTarget {
  /** `https://<API domain>`, or undefined for the address-and-port URL. */
  publicUrl: string | undefined;
  urls: InstanceUrls;
}

/** Puts an instance's new URLs into effect: its registry facts and its running stack. */
export interface PublicUrlApplier {
  apply(instanceId: string, target: UrlTarget): Promise<void>;
}

/**
 * Through the settings apply path (lifecycle/apply.ts): the public URL is a fact of the
 * instance, so the stack is rendered again from it, only the services whose definition changed
 * (auth, storage, studio, functions: API_EXTERNAL_URL, SUPABASE_PUBLIC_URL, STORAGE_PUBLIC_URL,
 * and the site URL while it has its default) are recreated, health is awaited, and facts and
 * files roll back together when they do not come up. A stopped project just gets its files.
 */
export function stackChangeApplier(
  applyStackChange: (change: StackChange) => Promise<StackChangeResult>,
): PublicUrlApplier {
  return {
    async apply(instanceId, target) {
      await applyStackChange({
        instanceId,
        keys: ['domain.publicUrl'],
        dryRun: false,
        next: (current) => {
          const instance = { ...current.instance, urls: target.urls };
          if (target.publicUrl) instance.publicUrl = target.publicUrl;
          else delete instance.publicUrl;
          return { ...current, instance };
        },
      });
    },
  };
}
