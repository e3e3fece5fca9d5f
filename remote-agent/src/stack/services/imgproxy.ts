import type { ServiceDefinition } from './definition';
import { healthcheck } from './shared';

export const imgproxy: ServiceDefinition = {
  name: 'imgproxy',
  title: 'Image transformations (imgproxy)',
  logsOnly: false,
  healthcheck: healthcheck(['CMD', 'imgproxy', 'health'], {
    interval: '5s',
    timeout: '5s',
    retries: 3,
  }),
  probe: { port: 5001, path: '/health' },
  compose: () => ({
    volumes: ['./volumes/storage:/var/lib/storage:z'],
    environment: {
      IMGPROXY_BIND: ':5001',
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: '/',
      IMGPROXY_USE_ETAG: 'true',
      IMGPROXY_ENABLE_WEBP_DETECTION: 'true',
      IMGPROXY_MAX_SRC_RESOLUTION: '16.8',
    },
  }),
};
