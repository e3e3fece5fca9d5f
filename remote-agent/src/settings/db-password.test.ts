import { describe, expect, it } from 'vitest';
import { ROLES_WITH_INSTANCE_PASSWORD } from '../stack/volumes/db';
import { ROTATED_ROLES } from './db-password';

describe('database password rotation roles', () => {
  it('rotates every role the instance password opens, but not the pooler manager', () => {
    // Supavisor keeps the pgbouncer password it stored at tenant creation: rotating the role
    // would lock every pooled client out.
    expect(ROTATED_ROLES).not.toContain('pgbouncer');
    expect(ROTATED_ROLES).toContain('postgres');
    // supabase_admin must turn: the next rotation logs in as it with the current password.
    expect(ROTATED_ROLES).toContain('supabase_admin');
    for (const role of ROLES_WITH_INSTANCE_PASSWORD) {
      if (role !== 'pgbouncer') expect(ROTATED_ROLES).toContain(role);
    }
  });
});
