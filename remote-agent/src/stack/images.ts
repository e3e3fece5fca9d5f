import type { StackServiceName } from './services';

/**
 * The one place that pins every image. The tags are those of the official self-hosting kit
 * (supabase/supabase `docker/docker-compose.yml`) at the release named by STACK_VERSION;
 * moving to a newer kit means changing this file and its version together.
 */
export const STACK_VERSION = '2026.02.16';

export const STACK_IMAGES: Readonly<Record<StackServiceName, string>> = {
  studio: 'supabase/studio:2026.02.16-sha-26c615c',
  kong: 'kong:2.8.1',
  auth: 'supabase/gotrue:v2.186.0',
  rest: 'postgrest/postgrest:v14.5',
  realtime: 'supabase/realtime:v2.78.15',
  storage: 'supabase/storage-api:v1.44.2',
  imgproxy: 'darthsim/imgproxy:v3.30.1',
  meta: 'supabase/postgres-meta:v0.95.2',
  functions: 'supabase/edge-runtime:v1.70.3',
  analytics: 'supabase/logflare:1.31.2',
  db: 'supabase/postgres:15.8.1.085',
  vector: 'timberio/vector:0.53.0-alpine',
  supavisor: 'supabase/supavisor:2.7.4',
};

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
 * The image a service runs: the pinned one, unless the agent config maps its official name
 * (without tag) to a replacement (a private registry on an offline VPS, or the test rig's
 * stand-ins).
 */
export function resolveImage(
  service: StackServiceName,
  overrides: Readonly<Record<string, string>>,
): string {
  const pinned = STACK_IMAGES[service];
  return overrides[imageName(pinned)] ?? pinned;
}
