import { verifyJwt } from '@common/jwt';
import type { CheckOutcome, CheckSpec } from '../run';
import type { DiagnosisFacts } from './facts';

/** The anon and service_role keys still verify against the instance's JWT secret. */
export function jwtKeysCheck(facts: DiagnosisFacts): CheckSpec {
  return {
    id: 'keys.jwt',
    title: 'API keys signed with the JWT secret',
    run: async (): Promise<CheckOutcome> => {
      const secrets = await facts.secrets;
      const problems: string[] = [];
      for (const [name, token, role] of [
        ['anon', secrets.anonKey, 'anon'],
        ['service_role', secrets.serviceRoleKey, 'service_role'],
      ] as const) {
        const v = verifyJwt(token, secrets.jwtSecret, { now: facts.deps.now });
        if (!v.ok) problems.push(`${name} key: ${v.reason}`);
        else if (v.claims.role !== role)
          problems.push(`${name} key carries role ${String(v.claims.role)}`);
      }
      if (problems.length > 0) {
        return {
          status: 'fail',
          evidence: problems.join('; '),
          fix: 'The keys no longer match the JWT secret: issue new keys for this instance.',
        };
      }
      return {
        status: 'ok',
        evidence: 'anon and service_role keys verify (HS256, roles right, not expired).',
      };
    },
  };
}
