import type { StackServiceName } from './services';
import { BUILTIN_RELEASES, ReleaseCatalog } from './releases/catalog';

/**
 * The images of the newest built-in stack release (`stack/releases/`), which is what a new
 * project runs. Each project records its own release; these remain for callers that ask
 * "what does this agent create today".
 */
const NEWEST = new ReleaseCatalog(BUILTIN_RELEASES).newest();

export const STACK_VERSION = NEWEST.id;

export const STACK_IMAGES: Readonly<Record<StackServiceName, string>> = NEWEST.images;

/**
 * `supabase/postgres:15.8.1.085` → `supabase/postgres`. A colon before the last slash belongs
 * to a registry port (`registry:5000/x`), not to a tag; a digest (`@sha256:…`) goes too.
 */
export function imageName(reference: string): string {
  const withoutDigest = reference.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

/**
 * The image a service runs: the release's pin (the newest release's when none is given),
 * unless the agent config maps its official name (without tag) to a replacement (a private
 * registry on an offline VPS, or the test rig's stand-ins).
 */
export function resolveImage(
  service: StackServiceName,
  overrides: Readonly<Record<string, string>>,
  pinned: Readonly<Record<StackServiceName, string>> = STACK_IMAGES,
): string {
  const image = pinned[service];
  return overrides[imageName(image)] ?? image;
}
