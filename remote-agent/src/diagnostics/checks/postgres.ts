import type { InstanceSecrets } from '../../credentials/secrets';
import { POOLER_SESSION_PORT, POOLER_TRANSACTION_PORT } from '../../stack/services';
import type { CheckOutcome, CheckSpec } from '../run';
import { containerAddress, message, type DiagnosisFacts } from './facts';

interface LoginTarget {
  host: string;
  port: number;
  user: string;
}

/**
 * Logins with the instance's password: to Postgres itself and through both pooler modes. Each
 * goes to the container's address on the instance network, never to a host port (see
 * gateway.ts), and the client speaks SCRAM only, so the password itself never crosses.
 */
export function postgresChecks(facts: DiagnosisFacts): CheckSpec[] {
  const poolerFix =
    'Check the "supavisor" and "db" containers above; a repair restarts what is down.';
  const pooler =
    (port: number) =>
    async (s: InstanceSecrets): Promise<LoginTarget> => ({
      host: await mustHaveAddress(facts, 'supavisor'),
      port,
      user: `postgres.${s.poolerTenantId}`,
    });
  return [
    loginCheck(
      facts,
      'postgres.direct',
      'Postgres (direct, on the instance network)',
      'db',
      async () => ({ host: await mustHaveAddress(facts, 'db'), port: 5432, user: 'postgres' }),
      'Check the "db" container above and its logs.',
    ),
    loginCheck(
      facts,
      'postgres.session',
      'Postgres through the pooler (session mode)',
      'supavisor',
      pooler(POOLER_SESSION_PORT),
      poolerFix,
    ),
    loginCheck(
      facts,
      'postgres.transaction',
      'Postgres through the pooler (transaction mode)',
      'supavisor',
      pooler(POOLER_TRANSACTION_PORT),
      poolerFix,
    ),
  ];
}

async function mustHaveAddress(facts: DiagnosisFacts, service: string): Promise<string> {
  const ip = await containerAddress(facts, service);
  if (!ip) throw new Error(`the ${service} container has no address on the instance network`);
  return ip;
}

function loginCheck(
  facts: DiagnosisFacts,
  id: string,
  title: string,
  service: string,
  target: (s: InstanceSecrets) => Promise<LoginTarget>,
  fix: string,
): CheckSpec {
  return {
    id,
    title,
    service,
    run: async (signal): Promise<CheckOutcome> => {
      const secrets = await facts.secrets;
      let where = '';
      try {
        const t = await target(secrets);
        where = `${t.user}@${t.host}:${t.port}`;
        const [result] = await facts.deps.pgQuery(
          { ...t, password: secrets.postgresPassword, database: 'postgres' },
          ['SELECT 1'],
          { timeoutMs: facts.deps.checkTimeoutMs, signal },
        );
        const value = result?.rows[0]?.[0];
        if (value !== '1')
          return { status: 'fail', evidence: `SELECT 1 returned ${String(value)}`, fix };
        return { status: 'ok', evidence: `SELECT 1 as ${where} with the instance password.` };
      } catch (err) {
        return { status: 'fail', evidence: `${where || 'connect'}: ${message(err)}`, fix };
      }
    },
  };
}
