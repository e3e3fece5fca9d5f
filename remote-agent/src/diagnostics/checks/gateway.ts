import type { InstanceSecrets } from '../../credentials/secrets';
import {
  hasGateway,
  KONG_HTTP_PORT,
  STACK_SERVICES,
  type GatewayRoute,
} from '../../stack/services';
import type { CheckOutcome, CheckSpec } from '../run';
import { containerAddress, message, snippet, type DiagnosisFacts } from './facts';

/**
 * The API as clients use it, through Kong. Requests that carry a key or the dashboard password
 * go to Kong's container on the instance network, never to the host port: when Kong is down,
 * any local user could bind that port and collect what the agent sends. The host port gets one
 * request with no credential, which shows that Kong (and not something else) answers there.
 */
export function gatewayChecks(facts: DiagnosisFacts): CheckSpec[] {
  const routes = STACK_SERVICES.filter(hasGateway).filter((s) =>
    facts.deps.expectedServices.includes(s.name),
  );
  return [
    ...routes.map((s) => routeCheck(facts, s.name, s.gateway)),
    keysCheck(facts),
    publishedCheck(facts),
  ];
}

/** Kong's base URL on the instance network; throws a sentence when Kong has no address. */
async function kongBase(facts: DiagnosisFacts): Promise<string> {
  const ip = await containerAddress(facts, 'kong');
  if (!ip) throw new Error('Kong has no address on the instance network (missing or stopped)');
  return `http://${ip}:${KONG_HTTP_PORT}`;
}

function credentialHeaders(
  credential: GatewayRoute['credential'],
  s: InstanceSecrets,
): Record<string, string> {
  switch (credential) {
    case 'anon':
      return { apikey: s.anonKey };
    case 'service_role':
      return { apikey: s.serviceRoleKey };
    case 'dashboard': {
      const basic = Buffer.from(`${s.dashboardUsername}:${s.dashboardPassword}`);
      return { authorization: `Basic ${basic.toString('base64')}` };
    }
  }
}

function routeCheck(facts: DiagnosisFacts, service: string, route: GatewayRoute): CheckSpec {
  return {
    id: `api.${service}`,
    title: route.title,
    service,
    run: async (signal): Promise<CheckOutcome> => {
      const secrets = await facts.secrets;
      try {
        const base = await kongBase(facts);
        const headers = credentialHeaders(route.credential, secrets);
        const res = await facts.deps.http(`${base}${route.path}`, { headers, signal });
        if (res.status >= 200 && res.status < 300) {
          return { status: 'ok', evidence: `GET ${route.path} → ${res.status}` };
        }
        return {
          status: 'fail',
          evidence: `GET ${route.path} through Kong → ${res.status} ${snippet(res.body)}`,
          fix: `Check the "${service}" and "kong" containers above and their logs; a repair restarts what is down.`,
        };
      } catch (err) {
        return {
          status: 'fail',
          evidence: `Kong does not answer: ${message(err)}`,
          fix: 'Check the "kong" container above; a repair starts it again.',
        };
      }
    },
  };
}

/** The REST route: the one every client key is for. */
function keyedPath(): string {
  return STACK_SERVICES.find((s) => s.name === 'rest')?.gateway?.path ?? '/rest/v1/';
}

function keysCheck(facts: DiagnosisFacts): CheckSpec {
  return {
    id: 'api.keys',
    title: 'API keys accepted by Kong',
    service: 'kong',
    run: async (signal): Promise<CheckOutcome> => {
      const secrets = await facts.secrets;
      try {
        const base = await kongBase(facts);
        const get = (apikey: string) =>
          facts.deps
            .http(`${base}${keyedPath()}`, { headers: { apikey }, signal })
            .then((r) => r.status);
        const [service, bogus] = await Promise.all([get(secrets.serviceRoleKey), get('not-a-key')]);
        if (service < 200 || service >= 300) {
          return {
            status: 'fail',
            evidence: `Kong answered ${service} to the service_role key.`,
            fix: 'Kong’s keys differ from the instance’s: run a repair (re-renders kong.yml and .env).',
          };
        }
        if (bogus !== 401 && bogus !== 403) {
          return {
            status: 'fail',
            evidence: `Kong answered ${bogus} to a made-up key: the API is not protected.`,
            fix: 'Run a repair to restore kong.yml.',
          };
        }
        return {
          status: 'ok',
          evidence: `service_role key → ${service}; a made-up key → ${bogus}.`,
        };
      } catch (err) {
        return { status: 'fail', evidence: `Kong does not answer: ${message(err)}` };
      }
    },
  };
}

/** The host port clients use, asked without any credential: Kong must want a key there. */
function publishedCheck(facts: DiagnosisFacts): CheckSpec {
  const port = facts.instance.ports.kongHttp;
  const path = keyedPath();
  return {
    id: 'api.published',
    title: `API on host port ${port}`,
    service: 'kong',
    run: async (signal): Promise<CheckOutcome> => {
      try {
        const res = await facts.deps.http(`http://127.0.0.1:${port}${path}`, { signal });
        if (res.status === 401) {
          return { status: 'ok', evidence: `GET ${path} without a key → 401, as Kong answers.` };
        }
        return {
          status: 'fail',
          evidence: `GET ${path} without a key → ${res.status} ${snippet(res.body)}: not Kong's answer.`,
          fix: `Something other than this instance's Kong may hold port ${port}: check "ss -ltnp", then run a repair.`,
        };
      } catch (err) {
        return {
          status: 'fail',
          evidence: `Nothing answers on port ${port}: ${message(err)}`,
          fix: 'Check the "kong" container above; a repair publishes its port again.',
        };
      }
    },
  };
}
