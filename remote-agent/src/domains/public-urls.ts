import type { InstanceUrls } from '@protocol/types';
import type { DomainRecord } from './store';

/** The oldest domain of a kind wins, so adding a second name does not move the URLs. */
function first(records: readonly DomainRecord[], kinds: DomainRecord['target'][]) {
  return [...records]
    .filter((r) => kinds.includes(r.target))
    .sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.hostname.localeCompare(b.hostname))[0];
}

/**
 * The public URL inside the stack (API_EXTERNAL_URL, SUPABASE_PUBLIC_URL, STORAGE_PUBLIC_URL):
 * `https://<the API's domain>`, or undefined to keep the address-and-port one.
 */
export function publicUrlOf(records: readonly DomainRecord[]): string | undefined {
  const api = first(records, ['api', 'both']);
  return api ? `https://${api.hostname}` : undefined;
}

/** The instance's advertised URLs with its domains applied (the database URL never changes). */
export function urlsWithDomains(
  base: InstanceUrls,
  records: readonly DomainRecord[],
): InstanceUrls {
  const api = first(records, ['api', 'both']);
  const studio = first(records, ['studio', 'both']);
  return {
    ...base,
    ...(api ? { api: `https://${api.hostname}` } : {}),
    ...(studio ? { studio: `https://${studio.hostname}` } : {}),
  };
}
