import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import { t as translate } from '../i18n/i18n';
import type { Role, UserPublic } from '@contract/api';
import { PASSWORD_MIN, USERNAME_RE } from '@protocol/validation';
import { useApp } from '../app/store';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { Field, inputBase, inputClass } from '../ui/Field';
import { PageHeader, Panel } from '../ui/Panel';
import { StaffSection } from './StaffSection';

export function usernameProblem(name: string): string | null {
  if (name === '') return null;
  return USERNAME_RE.test(name) ? null : translate('users.usernameRule');
}

function CreateUserForm({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const createUser = useApp((s) => s.createUser);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameProblem = usernameProblem(username);
  const pwProblem =
    password !== '' && password.length < PASSWORD_MIN
      ? t('users.passwordMin', { min: PASSWORD_MIN })
      : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await createUser(serverId, { username, password, role });
      setUsername('');
      setPassword('');
    } catch (err) {
      const e = err as { code?: string; message?: string };
      setError(
        e.message
          ? errorText({ code: e.code ?? 'INTERNAL', message: e.message })
          : t('users.refused'),
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="grid grid-cols-[1fr_1fr_120px_auto] items-start gap-3"
      aria-label={t('users.createForm')}
    >
      <Field
        label={t('users.username')}
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        problem={nameProblem ?? error}
        autoComplete="off"
      />
      <Field
        label={t('users.password')}
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        problem={pwProblem}
        autoComplete="new-password"
      />
      <div className="flex flex-col gap-1">
        <label className="text-xs font-medium text-muted" htmlFor="new-user-role">
          {t('users.role')}
        </label>
        <select
          id="new-user-role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          className={inputClass}
        >
          <option value="user">{t('role.user')}</option>
          <option value="admin">{t('role.admin')}</option>
        </select>
      </div>
      <Button
        variant="primary"
        type="submit"
        className="mt-5"
        busy={busy}
        disabled={!username || !password || nameProblem !== null || pwProblem !== null}
      >
        {t('users.create')}
      </Button>
    </form>
  );
}

function UserRow({
  serverId,
  user,
  me,
}: {
  serverId: string;
  user: UserPublic;
  me: string | undefined;
}) {
  const { t } = useTranslation();
  const updateUser = useApp((s) => s.updateUser);
  const deleteUser = useApp((s) => s.deleteUser);
  const setGrant = useApp((s) => s.setGrant);
  const projects = useApp((s) => s.projects);
  const [expanded, setExpanded] = useState(false);
  const [password, setPassword] = useState('');
  const serverProjects = Object.values(projects).filter((p) => p.serverId === serverId);
  // An admin who disabled, demoted or deleted themselves would lock themselves out.
  const self = user.username === me;
  const ignore = () => undefined;

  return (
    <li className="py-2" data-testid="user-row" data-username={user.username}>
      <div className="flex items-center gap-3">
        <span className="w-40 truncate font-medium">
          {user.username}
          {user.username === me && (
            <span className="ml-1 text-xs text-muted">{t('users.you')}</span>
          )}
        </span>
        <select
          aria-label={t('users.roleOf', { name: user.username })}
          title={self ? t('users.selfGuard') : undefined}
          disabled={self}
          value={user.role}
          onChange={(e) =>
            void updateUser(serverId, {
              username: user.username,
              role: e.target.value as Role,
            }).catch(ignore)
          }
          className={`${inputBase} h-7 w-24`}
        >
          <option value="user">{t('role.user')}</option>
          <option value="admin">{t('role.admin')}</option>
        </select>
        {user.disabled ? (
          <Badge tone="grey" label={t('users.disabled')} />
        ) : (
          <Badge tone="green" label={t('users.active')} />
        )}
        <span className="text-xs text-muted">
          {user.role === 'admin'
            ? t('users.allProjects')
            : t('users.granted', { count: user.grants.length })}
        </span>
        <span className="flex-1" />
        <Button
          size="sm"
          variant="ghost"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? t('users.done') : t('users.manage')}
        </Button>
        <Button
          size="sm"
          variant="ghost"
          disabled={self}
          title={self ? t('users.selfGuard') : undefined}
          onClick={() =>
            void updateUser(serverId, { username: user.username, disabled: !user.disabled }).catch(
              ignore,
            )
          }
        >
          {user.disabled ? t('users.enable') : t('users.disable')}
        </Button>
        <Button
          size="sm"
          variant="danger-ghost"
          disabled={self}
          title={self ? t('users.selfGuard') : undefined}
          onClick={() => void deleteUser(serverId, user.username).catch(ignore)}
        >
          {t('common.delete')}
        </Button>
      </div>
      {expanded && (
        <div className="mt-2 grid grid-cols-2 gap-6 rounded-md bg-bg p-3">
          <form
            className="flex items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              void updateUser(serverId, { username: user.username, password }).then(
                () => setPassword(''),
                ignore,
              );
            }}
          >
            <div className="flex-1">
              <Field
                label={t('users.newPassword')}
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                problem={
                  password && password.length < PASSWORD_MIN
                    ? t('users.passwordMin', { min: PASSWORD_MIN })
                    : null
                }
              />
            </div>
            <Button
              size="sm"
              type="submit"
              className="mb-5"
              disabled={password.length < PASSWORD_MIN}
            >
              {t('users.resetPassword')}
            </Button>
          </form>
          <div>
            <p className="mb-1 text-xs font-medium text-muted">{t('users.maysee')}</p>
            {user.role === 'admin' ? (
              <p className="text-xs text-muted">{t('users.adminsSeeAll')}</p>
            ) : serverProjects.length === 0 ? (
              <p className="text-xs text-muted">{t('users.noProjects')}</p>
            ) : (
              <ul className="flex max-h-40 flex-col gap-1 overflow-auto">
                {serverProjects.map((p) => (
                  <li key={p.id}>
                    <label className="flex items-center gap-2 text-xs">
                      <input
                        type="checkbox"
                        checked={p.owner === user.username || user.grants.includes(p.id)}
                        disabled={p.owner === user.username}
                        onChange={(e) =>
                          void setGrant(serverId, user.username, p.id, e.target.checked).catch(
                            ignore,
                          )
                        }
                      />
                      {p.name}
                      {p.owner === user.username && (
                        <span className="text-muted">{t('users.owner')}</span>
                      )}
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
    </li>
  );
}

export function UsersPage({ serverId: wanted }: { serverId?: string | undefined }) {
  const { t } = useTranslation();
  const servers = useApp((s) => s.servers);
  const navigate = useApp((s) => s.navigate);
  const adminServers = servers.filter((s) => s.state === 'connected' && s.user?.role === 'admin');
  const serverId = adminServers.find((s) => s.id === wanted)?.id ?? adminServers[0]?.id;
  const server = servers.find((s) => s.id === serverId);
  const users = useApp((s) => (serverId ? s.users[serverId] : undefined));
  const error = useApp((s) => (serverId ? s.usersError[serverId] : undefined));
  const loadUsers = useApp((s) => s.loadUsers);

  useEffect(() => {
    if (serverId) void loadUsers(serverId);
  }, [serverId, loadUsers]);

  return (
    <>
      <PageHeader
        title={t('users.title')}
        subtitle={t('users.subtitle')}
        actions={
          adminServers.length > 1 && (
            <select
              aria-label={t('users.server')}
              value={serverId}
              onChange={(e) => navigate({ kind: 'users', serverId: e.target.value })}
              className={`${inputBase} h-8 w-48`}
            >
              {adminServers.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          )
        }
      />
      {!serverId ? (
        <EmptyState icon="☺" title={t('users.noAdmin.title')} body={t('users.noAdmin.body')} />
      ) : (
        <div className="flex flex-col gap-4 p-6">
          <Panel title={t('users.newUserOn', { name: server?.name ?? '' })}>
            <p className="mb-3 text-xs text-muted">{t('users.perServer')}</p>
            <CreateUserForm serverId={serverId} />
          </Panel>
          <Panel title={t('users.accounts')}>
            {error && <p className="text-xs text-danger">{errorText(error)}</p>}
            {!users && !error && <p className="text-xs text-muted">{t('common.loading')}</p>}
            {users && (
              <ul className="flex flex-col divide-y divide-line" aria-label={t('users.listLabel')}>
                {users.map((u) => (
                  <UserRow
                    key={u.username}
                    serverId={serverId}
                    user={u}
                    me={server?.user?.username}
                  />
                ))}
              </ul>
            )}
          </Panel>
          <StaffSection serverId={serverId} />
        </div>
      )}
    </>
  );
}
