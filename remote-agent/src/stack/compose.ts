import { settingsEnvironment } from '../settings/render-env';
import { resolveImage, STACK_VERSION } from './images';
import { stackServices, type ComposeInput, type PublishedPort } from './services';
import type { ComposeBody } from './services/definition';
import { literal } from './services/shared';
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
  };
  const services: Record<string, YamlValue> = {};
  for (const service of stackServices(input.enableLogs)) {
    services[service.name] = {
      image: resolveImage(service.name, input.imageOverrides),
      restart: 'unless-stopped',
      // A tiny init as PID 1 forwards SIGTERM and reaps children, so `stop` does not sit out
      // the 10 s timeout for processes (sh, node) that ignore signals as PID 1.
      init: true,
      labels: {
        [INSTANCE_LABEL]: input.instanceId,
        [STACK_VERSION_LABEL]: STACK_VERSION,
      },
      // Dozens of instances × a dozen services: unbounded json logs would fill the disk.
      logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      ...(service.published ? { ports: service.published.map((p) => publish(input, p)) } : {}),
      ...(service.healthcheck ? { healthcheck: service.healthcheck } : {}),
      ...withSettings(service.name, service.compose(context), input),
    };
  }
  // No top-level `name:` and no `container_name`: the project name (`-p ub_<id>`) scopes
  // containers, the network and volumes, so instances side by side never collide.
  return { services, volumes: { 'db-config': {}, 'deno-cache': {} } };
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

function publish(input: ComposeInput, port: PublishedPort): string {
  const hostPort = input.ports[port.hostPort];
  const address = publishAddress(input.exposure);
  return address
    ? `${address}:${hostPort}:${port.containerPort}/tcp`
    : `${hostPort}:${port.containerPort}/tcp`;
}
