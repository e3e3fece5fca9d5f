import { describe, expect, it } from 'vitest';
import { API_PATHS, renderCaddyConfig, type ProxyRoute } from './caddy-config';
import { acmeSettings, LETSENCRYPT_DIRECTORY, LETSENCRYPT_STAGING_DIRECTORY } from './settings';

const route = (over: Partial<ProxyRoute> = {}): ProxyRoute => ({
  hostname: 'api.acme.test',
  target: 'api',
  kongPort: 8123,
  hsts: false,
  studioAllowIps: [],
  ...over,
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function hostRoutes(config: Json): Json[] {
  return config.apps.http.servers.ultrabase.routes as Json[];
}

function innerOf(config: Json, host: string): Json[] {
  const found = hostRoutes(config).find((r) => r.match[0].host[0] === host);
  return found!.handle[0].routes as Json[];
}

describe('renderCaddyConfig', () => {
  it('serves no site without domains, but keeps the admin socket, log and storage', () => {
    const config = renderCaddyConfig([], acmeSettings(undefined)) as Json;
    expect(config.apps).toBeUndefined();
    expect(config.admin.listen).toBe('unix//run/ultrabase-proxy/admin.sock');
    expect(config.storage).toEqual({ module: 'file_system', root: '/data/storage' });
  });

  it('routes an api name to the instance’s Kong on loopback, API paths only', () => {
    const config = renderCaddyConfig([route()], acmeSettings(undefined)) as Json;
    expect(config.apps.http.servers.ultrabase.listen).toEqual([':443']);
    const inner = innerOf(config, 'api.acme.test');
    expect(inner[0]).toEqual({
      match: [{ path: [...API_PATHS] }],
      handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:8123' }] }],
      terminal: true,
    });
    expect(inner[1]!.handle[0]).toMatchObject({ handler: 'static_response', status_code: 404 });
    expect(API_PATHS).not.toContain('/pg/*');
  });

  it('puts the allow-list in front of Studio only, and HSTS first when asked', () => {
    const config = renderCaddyConfig(
      [
        route({
          hostname: 'x.acme.test',
          target: 'both',
          hsts: true,
          studioAllowIps: ['10.0.0.0/8'],
        }),
      ],
      acmeSettings(undefined),
    ) as Json;
    const inner = innerOf(config, 'x.acme.test');
    expect(inner[0]!.handle[0].response.set['Strict-Transport-Security']).toEqual([
      'max-age=31536000',
    ]);
    expect(inner[1]!.match).toEqual([{ path: [...API_PATHS] }]);
    expect(inner[2]).toEqual({
      match: [{ not: [{ remote_ip: { ranges: ['10.0.0.0/8'] } }] }],
      handle: [{ handler: 'static_response', status_code: 403, body: 'Forbidden' }],
      terminal: true,
    });
    expect(inner[3]!.handle[0].handler).toBe('reverse_proxy');
  });

  it('a studio name without allow-list forwards everything (Kong’s basic auth guards Studio)', () => {
    const config = renderCaddyConfig(
      [route({ target: 'studio' })],
      acmeSettings(undefined),
    ) as Json;
    expect(innerOf(config, 'api.acme.test')).toEqual([
      { handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:8123' }] }] },
    ]);
  });

  it('asks Let’s Encrypt by default, its staging on request, any directory with its CA', () => {
    const policy = (config: Json) => config.apps.tls.automation.policies[0];
    const prod = renderCaddyConfig([route()], acmeSettings(undefined)) as Json;
    expect(policy(prod)).toEqual({
      subjects: ['api.acme.test'],
      issuers: [{ module: 'acme', ca: LETSENCRYPT_DIRECTORY }],
    });
    const staging = renderCaddyConfig([route()], acmeSettings({ staging: true })) as Json;
    expect(policy(staging).issuers[0].ca).toBe(LETSENCRYPT_STAGING_DIRECTORY);
    const pebble = renderCaddyConfig(
      [route()],
      acmeSettings({
        acmeDirectory: 'https://127.0.0.1:14000/dir',
        acmeCaRoot: '/etc/pebble/ca.pem',
        email: 'ops@acme.test',
      }),
    ) as Json;
    expect(policy(pebble).issuers[0]).toEqual({
      module: 'acme',
      ca: 'https://127.0.0.1:14000/dir',
      email: 'ops@acme.test',
      trusted_roots_pem_files: ['/etc/ultrabase-proxy/acme-ca.pem'],
    });
  });

  it('renders the same bytes whatever the order of the routes', () => {
    const a = route({ hostname: 'a.acme.test' });
    const b = route({ hostname: 'b.acme.test', kongPort: 8200 });
    const acme = acmeSettings(undefined);
    expect(JSON.stringify(renderCaddyConfig([a, b], acme))).toBe(
      JSON.stringify(renderCaddyConfig([b, a], acme)),
    );
  });
});
