import { cpus as hostCpus } from 'node:os';
import { settingsEnvironment } from '../settings/render-env';
import { resolveImage, STACK_VERSION } from './images';
import { stackServices, type ComposeInput, type PublishedPort } from './services';
import type { ComposeBody } from './services/definition';
import { selectServices, withoutAbsent } from './services/selection';
import { literal, pacedHealthcheck } from './services/shared';
import { serviceLimits, type ServiceLimits } from '../sizing/profiles';
import { publishAddress } from './urls';
import type { YamlValue } from './yaml';

export type { ComposeInput } from './services';

/** Labels on every container: the instance it belongs to and the kit it was rendered from. */
export const INSTANCE_LABEL = 'io.ultrabase.instance';
export const STACK_VERSION_LABEL = 'io.ultrabase.stack-version';

/**
 * The compose document for one instance (a plain tree; `toYaml` writes it): each service's own
 * definition, plus what every service shares.
 */
export function composeDocument(input: ComposeInput): { [key: string]: YamlValue } {
  const context = {
    name: literal(input.name),
    publicUrl: literal(input.apiUrl),
    enableLogs: input.enableLogs,
    ...(input.databaseTls ? { databaseTls: true } : {}),
  };
  const services: Record<string, YamlValue> = {};
  const selected = input.optionalServices
    ? selectServices(stackServices(true), input.optionalServices)
    : stackServices(input.enableLogs);
  const present = new Set<string>(selected.map((s) => s.name));
  const names = selected.map((s) => s.name);
  for (const service of selected) {
    services[service.name] = {
      image: resolveImage(service.name, input.imageOverrides, input.stackRelease?.images),
      restart: 'unless-stopped',
      // A tiny init as PID 1 forwards SIGTERM and reaps children, so `stop` does not sit out
      // the 10 s timeout for processes (sh, node) that ignore signals as PID 1.
      init: true,
      labels: {
        [INSTANCE_LABEL]: input.instanceId,
        [STACK_VERSION_LABEL]: input.stackRelease?.id ?? STACK_VERSION,
      },
      // Dozens of instances × a dozen services: unbounded json logs would fill the disk.
      logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      ...publishedPorts(service.name, service.published, input),
      ...(service.healthcheck
        ? { healthcheck: pacedHealthcheck(service.healthcheck, input.healthcheckIntervalMs) }
        : {}),
      ...(input.size ? limitsOf(serviceLimits(input.size, service.name, names)) : {}),
      ...withSettings(
        service.name,
        withoutAbsent(service.name, service.compose(context), present),
        input,
      ),
    };
  }
  // No top-level `name:` and no `container_name`: the project name (`-p ub_<id>`) scopes
  // containers, the network and volumes, so instances side by side never collide.
  return {
    services,
    volumes: { 'db-config': {}, 'deno-cache': {} },
    ...(input.subnet ? { networks: projectNetwork(input.subnet) } : {}),
  };
}

/**
 * A hard memory cap (swap included, so a capped service cannot page the host to death) and a
 * CPU cap: one noisy project can no longer starve the others (sizing/profiles.ts).
 */
function limitsOf(limits: ServiceLimits): { [key: string]: YamlValue } {
  const memory = `${limits.memoryMb}m`;
  // The engine refuses a CPU limit above the host's core count (a large db wants 4).
  const cpus = Math.min(limits.cpus, Math.max(1, hostCpus().length));
  return { mem_limit: memory, memswap_limit: memory, cpus };
}

/**
 * The default network with the subnet the agent allocated: named subnets out of the agent's own
 * range are what lets a server hold hundreds of projects (the engine's default pools give ~30).
 */
function projectNetwork(subnet: string): YamlValue {
  return { default: { ipam: { config: [{ subnet }] } } };
}

/**
 * The service's body with the project's settings written over its environment. A variable the
 * definition already has keeps its place (so a file without settings is byte-identical to one
 * rendered before settings existed); new ones follow.
 */
function withSettings(service: string, body: ComposeBody, input: ComposeInput): ComposeBody {
  const overrides = settingsEnvironment(service, input.settings);
  if (Object.keys(overrides).length === 0) return body;
  const base = (body.environment ?? {}) as Record<string, YamlValue>;
  const environment: Record<string, YamlValue> = { ...base };
  for (const [name, value] of Object.entries(overrides)) environment[name] = literal(value);
  return { ...body, environment };
}

/**
 * The host ports of a service. With Postgres over the internet on, Postgres itself is published
 * on the server's public addresses (only a direct connection shows Postgres the client's
 * address, and its client rules admit only TLS from outside), while the pooler keeps the same
 * port number on 127.0.0.1: the local tunnel and its pooler user names work as before.
 */
function publishedPorts(
  name: string,
  published: readonly PublishedPort[] | undefined,
  input: ComposeInput,
): { ports?: string[] } {
  const tls = input.databaseTls;
  if (tls && name === 'db') {
    return {
      ports: tls.addresses.map((a) => `${hostAddress(a)}:${input.ports.postgres}:5432/tcp`),
    };
  }
  if (!published) return {};
  return { ports: published.map((p) => publish(input, p, tls && name === 'supavisor')) };
}

/** An IPv6 address in brackets, as compose's port syntax wants it. */
function hostAddress(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function publish(input: ComposeInput, port: PublishedPort, loopback = false): string {
  const hostPort = input.ports[port.hostPort];
  const address = loopback ? '127.0.0.1' : publishAddress(input.exposure);
  return address
    ? `${address}:${hostPort}:${port.containerPort}/tcp`
    : `${hostPort}:${port.containerPort}/tcp`;
}
