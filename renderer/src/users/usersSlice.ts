import type { Role, StaffMember, UserPublic } from '@contract/api';
import { toApiError, type ApiError } from '../api';
import type { Slice } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';

export interface UsersSlice {
  users: Record<string, UserPublic[]>;
  usersError: Record<string, ApiError>;
  loadUsers(serverId: string): Promise<void>;
  createUser(
    serverId: string,
    input: { username: string; password: string; role: Role },
  ): Promise<void>;
  updateUser(
    serverId: string,
    input: { username: string; role?: Role; password?: string; disabled?: boolean },
  ): Promise<void>;
  deleteUser(serverId: string, username: string): Promise<void>;
  setGrant(serverId: string, username: string, instanceId: string, granted: boolean): Promise<void>;
  /** Staff members: their own restricted SSH login plus an agent user (docs/staff-accounts.md). */
  staff: Record<string, StaffMember[]>;
  staffError: Record<string, ApiError>;
  loadStaff(serverId: string): Promise<void>;
  addStaff(
    serverId: string,
    input: { username: string; password: string; role: Role; publicKey: string },
  ): Promise<void>;
  removeStaff(serverId: string, username: string): Promise<void>;
}

const byName = (a: { username: string }, b: { username: string }) =>
  a.username.localeCompare(b.username);

function replaceUser(list: UserPublic[] | undefined, user: UserPublic): UserPublic[] {
  const rest = (list ?? []).filter((u) => u.username !== user.username);
  return [...rest, user].sort((a, b) => a.username.localeCompare(b.username));
}

export const createUsersSlice: Slice<UsersSlice> = (set, get) => {
  /** Every user change toasts its outcome; the error is rethrown so a form can show it inline. */
  async function change(title: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      get().toast({ kind: 'success', title });
    } catch (raw) {
      const error = toApiError(raw);
      get().toast({ kind: 'error', title: t('users.changeRefused'), body: errorText(error) });
      throw error;
    }
  }

  return {
    users: {},
    usersError: {},
    staff: {},
    staffError: {},

    async loadStaff(serverId) {
      try {
        const list = await get().api.listStaff(serverId);
        set((s) => ({
          staff: { ...s.staff, [serverId]: [...list].sort(byName) },
          staffError: Object.fromEntries(
            Object.entries(s.staffError).filter(([k]) => k !== serverId),
          ),
        }));
      } catch (raw) {
        set((s) => ({ staffError: { ...s.staffError, [serverId]: toApiError(raw) } }));
      }
    },

    addStaff: (serverId, input) =>
      change(t('staff.added', { name: input.username }), async () => {
        const { member, user } = await get().api.addStaff(serverId, input);
        set((s) => ({
          staff: {
            ...s.staff,
            [serverId]: [
              ...(s.staff[serverId] ?? []).filter((m) => m.username !== member.username),
              member,
            ].sort(byName),
          },
          // The agent user was made with the account: the accounts list shows it at once.
          users: { ...s.users, [serverId]: replaceUser(s.users[serverId], user) },
        }));
      }),

    removeStaff: (serverId, username) =>
      change(t('staff.removed', { name: username }), async () => {
        await get().api.removeStaff(serverId, username);
        set((s) => ({
          staff: {
            ...s.staff,
            [serverId]: (s.staff[serverId] ?? []).filter((m) => m.username !== username),
          },
          users: {
            ...s.users,
            [serverId]: (s.users[serverId] ?? []).filter((u) => u.username !== username),
          },
        }));
      }),

    async loadUsers(serverId) {
      try {
        const list = await get().api.listUsers(serverId);
        set((s) => ({
          users: {
            ...s.users,
            [serverId]: list.sort((a, b) => a.username.localeCompare(b.username)),
          },
          usersError: Object.fromEntries(
            Object.entries(s.usersError).filter(([k]) => k !== serverId),
          ),
        }));
      } catch (raw) {
        set((s) => ({ usersError: { ...s.usersError, [serverId]: toApiError(raw) } }));
      }
    },

    createUser: (serverId, input) =>
      change(t('users.created', { name: input.username }), async () => {
        const user = await get().api.createUser(serverId, input);
        set((s) => ({ users: { ...s.users, [serverId]: replaceUser(s.users[serverId], user) } }));
      }),

    updateUser: (serverId, input) =>
      change(
        input.password !== undefined
          ? t('users.passwordReset', { name: input.username })
          : t('users.updated', { name: input.username }),
        async () => {
          const user = await get().api.updateUser(serverId, input);
          set((s) => ({ users: { ...s.users, [serverId]: replaceUser(s.users[serverId], user) } }));
        },
      ),

    deleteUser: (serverId, username) =>
      change(t('users.deleted', { name: username }), async () => {
        await get().api.deleteUser(serverId, username);
        set((s) => ({
          users: {
            ...s.users,
            [serverId]: (s.users[serverId] ?? []).filter((u) => u.username !== username),
          },
        }));
      }),

    async setGrant(serverId, username, instanceId, granted) {
      // Optimistic: the checkbox follows the click at once and reverts if the agent refuses.
      const before = get().users[serverId];
      set((s) => ({
        users: {
          ...s.users,
          [serverId]: (s.users[serverId] ?? []).map((u) =>
            u.username !== username
              ? u
              : {
                  ...u,
                  grants: granted
                    ? [...u.grants.filter((g) => g !== instanceId), instanceId]
                    : u.grants.filter((g) => g !== instanceId),
                },
          ),
        },
      }));
      try {
        await change(
          granted
            ? t('users.grantedTo', { name: username })
            : t('users.revokedFrom', { name: username }),
          async () => {
            const api = get().api;
            const user = granted
              ? await api.grantProject(serverId, username, instanceId)
              : await api.revokeProject(serverId, username, instanceId);
            set((s) => ({
              users: { ...s.users, [serverId]: replaceUser(s.users[serverId], user) },
            }));
          },
        );
      } catch (error) {
        set((s) => ({ users: { ...s.users, [serverId]: before ?? [] } }));
        throw error;
      }
    },
  };
};
