import type { PgTarget } from '@common/pg-client';
import { readNetworkFacts } from '../diagnostics/stack-facts';
import type { DockerEngine } from '../docker/engine';
import type { StackChange, StackFacts } from '../lifecycle/apply';
import { ROLES_WITH_INSTANCE_PASSWORD } from '../stack/volumes/db';

type Query = (target: PgTarget, queries: readonly string[]) => Promise<unknown>;

/**
 * The roles whose password is the instance's POSTGRES_PASSWORD: the ones the init SQL sets,
 * and `postgres` (the image creates it with that password) — except `pgbouncer`. Supavisor
 * stores the pgbouncer password in its tenant when the tenant is first created (the kit's
 * pooler.exs creates it only when missing) and uses it for every auth_query; changing the role
 * would lock every pooled client out until the tenant is updated. Keeping it is safe: that role
 * may only read SCRAM verifiers through pgbouncer.get_auth, and a fresh database (init SQL) and
 * a fresh tenant both take the current password, so they agree again.
 */
export const ROTATED_ROLES = [
  'postgres',
  ...ROLES_WITH_INSTANCE_PASSWORD.filter((role) => role !== 'pgbouncer'),
] as const;

/**
 * The live half of a database password rotation: inside the running database, as
 * supabase_admin with the old password, every stack role gets the new one; services are then
 * recreated with the new `.env`. The undo (a rollback) sets the old one back, logging in with
 * the new. Role passwords are SQL string literals: the generated password is hex, and the
 * check below keeps it so, so no quoting can be broken.
 */
export function dbPasswordRotation(deps: {
  engine: DockerEngine;
  query: Query;
}): Pick<StackChange, 'beforeRecreate' | 'undoBeforeRecreate'> {
  const setAll = async (facts: StackFacts, loginWith: string, newPassword: string) => {
    if (!/^[0-9a-f]{16,128}$/.test(newPassword)) throw new Error('unexpected password format');
    const network = await readNetworkFacts(deps.engine, facts.instance.project);
    const db = network.containers.find((c) => c.service === 'db' && c.ip);
    if (!db?.ip) throw new Error('the db container has no address on the instance network');
    await deps.query(
      {
        host: db.ip,
        port: 5432,
        user: 'supabase_admin',
        password: loginWith,
        database: 'postgres',
      },
      ROTATED_ROLES.map((role) => `ALTER ROLE ${role} WITH PASSWORD '${newPassword}';`),
    );
  };
  return {
    beforeRecreate: (current, next) =>
      setAll(current, current.secrets.postgresPassword, next.secrets.postgresPassword),
    undoBeforeRecreate: (current, next) =>
      setAll(current, next.secrets.postgresPassword, current.secrets.postgresPassword),
  };
}
