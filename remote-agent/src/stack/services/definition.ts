import type { Exposure, InstancePorts, OptionalServices, ProjectSize } from '@protocol/types';
import type { StackSettingsInput } from '../../settings/render-env';
import type { StackRelease } from '../releases/schema';
import type { YamlValue } from '../yaml';

export type StackServiceName =
  | 'db'
  | 'kong'
  | 'auth'
  | 'rest'
  | 'realtime'
  | 'storage'
  | 'imgproxy'
  | 'meta'
  | 'functions'
  | 'studio'
  | 'supavisor'
  | 'analytics'
  | 'vector';

/** What the compose document of one instance is rendered from. */
export interface ComposeInput {
  instanceId: string;
  name: string;
  ports: InstancePorts;
  exposure: Exposure;
  /** Public base URL of Kong for this instance (browser-facing links, auth callbacks). */
  apiUrl: string;
  imageOverrides: Readonly<Record<string, string>>;
  enableLogs: boolean;
  /** The project network's subnet; absent: the engine picks one from its default pools. */
  subnet?: string;
  /** Memory and CPU limits per service; absent: none (projects from before sizes). */
  size?: ProjectSize;
  /** Which optional services run; absent: all but the logs pair, as `enableLogs` says. */
  optionalServices?: OptionalServices;
  /** The project's settings (auth URLs, SMTP, overrides…); absent: the kit's values. */
  settings?: StackSettingsInput;
  /** The release whose images the services run; the newest built-in one when absent. */
  stackRelease?: StackRelease;
  /**
   * Postgres over the internet, TLS only (stack/volumes/db-tls.ts): Postgres itself is
   * published on these server addresses; absent: off.
   */
  databaseTls?: { addresses: readonly string[] };
  /** How often Docker probes each service's health; absent: the kit's timings. */
  healthcheckIntervalMs?: number;
}

/** The facts of one instance a service's compose body may depend on. */
export interface ServiceContext {
  /** The project's display name, escaped for compose interpolation. */
  name: string;
  /** Kong's public base URL, escaped for compose interpolation. */
  publicUrl: string;
  enableLogs: boolean;
  /** Postgres serves TLS with the project's certificate and its own client rules. */
  databaseTls?: boolean;
}

// A type, not an interface: it must fit YamlValue's index signature.
export type Healthcheck = {
  test: readonly string[];
  interval: string;
  timeout: string;
  retries: number;
  start_period?: string;
};

/** An HTTP endpoint inside the instance network; any HTTP answer means the process is up. */
export interface ServiceProbe {
  port: number;
  path: string;
}

/** A path through Kong that answers 2xx when the service works, and the credential it needs. */
export interface GatewayRoute {
  title: string;
  path: string;
  credential: 'anon' | 'service_role' | 'dashboard';
}

/** A container port that the host publishes, on the instance port of that name. */
export interface PublishedPort {
  hostPort: keyof InstancePorts;
  containerPort: number;
}

/** Everything the compose file says about a service besides its image, ports and healthcheck. */
export type ComposeBody = { [key: string]: YamlValue | undefined };

/**
 * One service of the official self-hosting kit, all in one place: what the agent calls it, how
 * Docker checks it, how diagnostics probe it (directly and through Kong), what the host
 * publishes, and the rest of its compose definition.
 */
export interface ServiceDefinition {
  name: StackServiceName;
  title: string;
  /** Present only when the instance has logs enabled (off by default). */
  logsOnly: boolean;
  /** Docker waits for `healthy`, not just `running`, when there is one. */
  healthcheck?: Healthcheck;
  probe?: ServiceProbe;
  gateway?: GatewayRoute;
  published?: readonly PublishedPort[];
  compose(context: ServiceContext): ComposeBody;
}
