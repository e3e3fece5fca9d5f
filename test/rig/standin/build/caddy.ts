// The stand-in for the official `caddy` image (the agent's reverse proxy for custom domains):
// Debian's real caddy binary (2.6.2, from test/rig/provision) with its libraries, the CA bundle
// and the folders the official image has. Not a fake: the rig's domain tests get real ACME,
// real TLS and real graceful reloads from it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rootfs, sharedLibraries } from './rootfs';
import type { ImageSpec } from './specs';

const CADDY = '/usr/bin/caddy';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const CACHE_DIR = join(import.meta.dirname, '../../../../.cache/standin');

export const caddyImage: ImageSpec = {
  short: 'caddy',
  official: 'caddy',
  hashInputs: async (h) =>
    h
      .hostFiles([CADDY, CA_BUNDLE, ...(await sharedLibraries([CADDY], CACHE_DIR))])
      .sources(import.meta.filename),
  async stage(dir) {
    const fs = new Rootfs(join(dir, 'rootfs'));
    fs.copy(CADDY, '/usr/bin/caddy');
    await fs.librariesOf([CADDY], CACHE_DIR);
    fs.copy(CA_BUNDLE);
    fs.baseSystem([]);
    fs.mkdir('/config').mkdir('/data').mkdir('/etc/caddy');
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data',
        'EXPOSE 80 443 2019',
        'WORKDIR /srv',
        'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]',
        'LABEL ultrabase.standin=caddy org.opencontainers.image.title="stand-in for caddy"',
        '',
      ].join('\n'),
    );
  },
};
