import { describe, expect, it } from 'vitest';
import type { Caller } from '../auth/service';
import { ClientSession, type AgentServices, type HandlerContext } from './context';
import { createHandlers } from './handlers';

// The one handler rule not covered end to end in server.test.ts: a staff member is removed as
// a whole (Linux account and agent user), never by deleting only the agent user.

const admin: Caller = { username: 'root', role: 'admin', grants: [], tokenHash: 'h' };

function handlersWith(staffNames: string[]) {
  const deleted: string[] = [];
  const services = {
    registry: { list: () => [] },
    auth: { deleteUser: async (u: string) => void deleted.push(u) },
    staff: { list: () => staffNames.map((username) => ({ username })) },
  } as unknown as AgentServices;
  const ctx = { session: new ClientSession(), caller: admin, call: {} } as HandlerContext;
  return { handlers: createHandlers(services), ctx, deleted };
}

describe('users.delete', () => {
  it('refuses a staff member (staff.remove deletes the account and the user together)', async () => {
    const { handlers, ctx, deleted } = handlersWith(['ana']);
    await expect(
      Promise.resolve().then(() => handlers['users.delete']({ username: 'ana' }, ctx)),
    ).rejects.toMatchObject({ code: 'INVALID_STATE', data: { staff: true } });
    expect(deleted).toEqual([]);
  });

  it('deletes an ordinary user', async () => {
    const { handlers, ctx, deleted } = handlersWith(['ana']);
    await handlers['users.delete']({ username: 'bob' }, ctx);
    expect(deleted).toEqual(['bob']);
  });
});
