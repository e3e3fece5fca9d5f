import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import { analyticsHealthy, dependsOn, healthcheck, SECRET } from './shared';

/** Where Kong listens inside the instance network (the host publishes it on `kongHttp`). */
export const KONG_HTTP_PORT = 8000;

export const kong: ServiceDefinition = {
  name: 'kong',
  title: 'API gateway (Kong)',
  logsOnly: false,
  healthcheck: healthcheck(['CMD', 'kong', 'health'], {
    interval: '5s',
    timeout: '5s',
    retries: 10,
  }),
  probe: { port: KONG_HTTP_PORT, path: '/' },
  published: [
    { hostPort: 'kongHttp', containerPort: KONG_HTTP_PORT },
    { hostPort: 'kongHttps', containerPort: 8443 },
  ],
  compose: (context) => ({
    // The kit renders kong.yml at start with `eval` in a bash entrypoint; the agent renders it
    // itself, so Kong reads it directly and needs no shell.
    volumes: ['./volumes/api/kong.yml:/home/kong/kong.yml:ro,z'],
    depends_on: dependsOn(analyticsHealthy(context)),
    environment: {
      KONG_DATABASE: 'off',
      KONG_DECLARATIVE_CONFIG: '/home/kong/kong.yml',
      // https://github.com/supabase/cli/issues/14
      KONG_DNS_ORDER: 'LAST,A,CNAME',
      KONG_PLUGINS:
        'request-transformer,cors,key-auth,acl,basic-auth,request-termination,ip-restriction',
      KONG_NGINX_PROXY_PROXY_BUFFER_SIZE: '160k',
      KONG_NGINX_PROXY_PROXY_BUFFERS: '64 160k',
      // Kong starts one nginx worker per CPU core, ~100 MB each: dozens of instances on a
      // many-core VPS would exhaust memory with gateways alone.
      KONG_NGINX_WORKER_PROCESSES: '2',
      // Kong reads the keys from kong.yml; the kit also hands them over as environment, and
      // tooling that inspects Kong (the test rig's stand-in, too) expects them there.
      SUPABASE_ANON_KEY: SECRET.anonKey,
      SUPABASE_SERVICE_KEY: SECRET.serviceRoleKey,
      DASHBOARD_USERNAME: envRef('DASHBOARD_USERNAME'),
      DASHBOARD_PASSWORD: envRef('DASHBOARD_PASSWORD'),
    },
  }),
};
