import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import { healthcheck } from './shared';

export const vector: ServiceDefinition = {
  name: 'vector',
  title: 'Log collector (Vector)',
  logsOnly: true,
  healthcheck: healthcheck(
    ['CMD', 'wget', '--no-verbose', '--tries=1', '--spider', 'http://vector:9001/health'],
    { interval: '5s', timeout: '5s', retries: 3 },
  ),
  probe: { port: 9001, path: '/health' },
  compose: () => ({
    volumes: [
      './volumes/logs/vector.yml:/etc/vector/vector.yml:ro,z',
      '/var/run/docker.sock:/var/run/docker.sock:ro,z',
    ],
    environment: { LOGFLARE_PUBLIC_ACCESS_TOKEN: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN') },
    command: ['--config', '/etc/vector/vector.yml'],
    security_opt: ['label=disable'],
  }),
};
