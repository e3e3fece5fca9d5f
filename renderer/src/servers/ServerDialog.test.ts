import { describe, expect, it } from 'vitest';
import { EMPTY_SERVER_FORM, toServerInput } from './ServerDialog';

describe('toServerInput', () => {
  it('marks a staff login, whose agent account is the SSH user unless given', () => {
    const input = toServerInput(
      {
        ...EMPTY_SERVER_FORM,
        name: 'web',
        host: 'h',
        username: 'ana',
        staff: true,
        agentUsername: '',
      },
      false,
    );
    expect(input).toMatchObject({ access: 'staff', username: 'ana', agentUsername: 'ana' });
  });

  it('sends no access for an ordinary new login, and clears a staff flag when unticked on edit', () => {
    const base = { ...EMPTY_SERVER_FORM, name: 'web', host: 'h' };
    expect(toServerInput(base, false)).not.toHaveProperty('access');
    expect(toServerInput({ ...base, wasStaff: true }, true)).toMatchObject({ access: 'full' });
  });
});
