import type { InstanceSecrets } from '../credentials/secrets';
import type { Instance } from '@protocol/types';
import type { StackInput } from '../stack/render';
import { builtinCatalog, type ReleaseCatalog } from '../stack/releases/catalog';

/** What the agent renders every instance's stack with: read once at start, shared by all. */
export interface StackSettings {
  images: Readonly<Record<string, string>>;
  /** The configured external host, else the detected one; undefined when neither exists. */
  externalHost: string | undefined;
  /** The releases this agent knows; the built-in ones when absent. */
  releases?: ReleaseCatalog;
  /** Agent config `healthcheckIntervalMs`; absent: the kit's healthcheck timings. */
  healthcheckIntervalMs?: number;
}

/**
 * The one render input of an instance's stack. Creation writes the files from it and
 * diagnose/repair compare the files with it, so both must see the same external host: a public
 * project on a server whose address was detected, not configured, renders the same both times.
 */
export function stackInputFor(
  instance: Instance,
  secrets: InstanceSecrets,
  settings: StackSettings,
): StackInput {
  return {
    instanceId: instance.id,
    name: instance.name,
    ports: instance.ports,
    exposure: instance.exposure,
    externalHost: settings.externalHost ?? null,
    secrets,
    imageOverrides: settings.images,
    ...(instance.subnet ? { subnet: instance.subnet } : {}),
    ...(instance.size ? { size: instance.size } : {}),
    ...(instance.optionalServices ? { optionalServices: instance.optionalServices } : {}),
    ...(instance.publicUrl ? { publicUrl: instance.publicUrl } : {}),
    ...(instance.databaseTls ? { databaseTls: { addresses: instance.databaseTls.addresses } } : {}),
    ...(settings.healthcheckIntervalMs
      ? { healthcheckIntervalMs: settings.healthcheckIntervalMs }
      : {}),
    projectSettings: {
      // With a domain, the site URL's default is the domain too (a value set by hand wins).
      values: {
        ...(instance.publicUrl ? { 'auth.siteUrl': instance.publicUrl } : {}),
        ...instance.settings,
      },
      secrets: secrets.settings ?? {},
    },
    // The project's own release, so repair and diagnose never revert an upgrade.
    stackRelease: (settings.releases ?? builtinCatalog()).releaseOf(instance),
  };
}
