import { useEffect, useState, type FormEvent } from 'react';
import type { Role, UserPublic } from '../../../electron/src/contract/api';
import { PASSWORD_MIN, USERNAME_RE } from '../../../remote-agent/src/protocol/validation';
import { useApp } from '../app/store';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { Field, inputClass } from '../ui/Field';
import { PageHeader, Panel } from '../ui/Panel';

export function usernameProblem(name: string): string | null {
  if (name === '') return null;
  return USERNAME_RE.test(name)
    ? null
    : 'Start with a lowercase letter; then a-z, 0-9, _ . - (up to 32).';
}

function CreateUserForm({ serverId }: { serverId: string }) {
  const createUser = useApp((s) => s.createUser);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameProblem = usernameProblem(username);
  const pwProblem =
    password !== '' && password.length < PASSWORD_MIN
      ? `At least ${PASSWORD_MIN} characters.`
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
      setError((err as { message?: string }).message ?? 'Refused');
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      onSubmit={submit}
      className="grid grid-cols-[1fr_1fr_120px_auto] items-start gap-3"
      aria-label="Create user"
    >
      <Field
        label="Username"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        problem={nameProblem ?? error}
        autoComplete="off"
      />
      <Field
        label="Password"
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        problem={pwProblem}
        autoComplete="new-password"
      />
      <div className="flex flex-col gap-1">
        <label className="text-xs font-medium text-muted" htmlFor="new-user-role">
          Role
        </label>
        <select
          id="new-user-role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          className={inputClass}
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
      </div>
      <Button
        variant="primary"
        type="submit"
        className="mt-5"
        busy={busy}
        disabled={!username || !password || nameProblem !== null || pwProblem !== null}
      >
        Create user
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
  const updateUser = useApp((s) => s.updateUser);
  const deleteUser = useApp((s) => s.deleteUser);
  const setGrant = useApp((s) => s.setGrant);
  const projects = useApp((s) => s.projects);
  const [expanded, setExpanded] = useState(false);
  const [password, setPassword] = useState('');
  const serverProjects = Object.values(projects).filter((p) => p.serverId === serverId);
  const ignore = () => undefined;

  return (
    <li className="py-2" data-testid="user-row" data-username={user.username}>
      <div className="flex items-center gap-3">
        <span className="w-40 truncate font-medium">
          {user.username}
          {user.username === me && <span className="ml-1 text-xs text-muted">(you)</span>}
        </span>
        <select
          aria-label={`Role of ${user.username}`}
          value={user.role}
          onChange={(e) =>
            void updateUser(serverId, {
              username: user.username,
              role: e.target.value as Role,
            }).catch(ignore)
          }
          className={`${inputClass} h-7 w-24`}
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
        {user.disabled ? (
          <Badge tone="grey" label="disabled" />
        ) : (
          <Badge tone="green" label="active" />
        )}
        <span className="text-xs text-muted">
          {user.role === 'admin' ? 'all projects' : `${user.grants.length} granted`}
        </span>
        <span className="flex-1" />
        <Button
          size="sm"
          variant="ghost"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Done' : 'Manage'}
        </Button>
        <Button
          size="sm"
          variant="ghost"
          onClick={() =>
            void updateUser(serverId, { username: user.username, disabled: !user.disabled }).catch(
              ignore,
            )
          }
        >
          {user.disabled ? 'Enable' : 'Disable'}
        </Button>
        <Button
          size="sm"
          variant="ghost"
          className="text-danger"
          disabled={user.username === me}
          onClick={() => void deleteUser(serverId, user.username).catch(ignore)}
        >
          Delete
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
                label="New password"
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                problem={
                  password && password.length < PASSWORD_MIN
                    ? `At least ${PASSWORD_MIN} characters.`
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
              Reset password
            </Button>
          </form>
          <div>
            <p className="mb-1 text-xs font-medium text-muted">Projects this user may see</p>
            {user.role === 'admin' ? (
              <p className="text-xs text-muted">Admins see every project.</p>
            ) : serverProjects.length === 0 ? (
              <p className="text-xs text-muted">No projects on this server yet.</p>
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
                      {p.owner === user.username && <span className="text-muted">(owner)</span>}
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
        title="Users"
        subtitle="Accounts on each server's agent: admins see everything, users see their own projects and grants."
        actions={
          adminServers.length > 1 && (
            <select
              aria-label="Server"
              value={serverId}
              onChange={(e) => navigate({ kind: 'users', serverId: e.target.value })}
              className={`${inputClass} w-48`}
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
        <EmptyState
          icon="☺"
          title="No server where you are an admin"
          body="Users are managed per server by its admins. Connect to a server with an admin account to manage who may use it."
        />
      ) : (
        <div className="flex flex-col gap-4 p-6">
          <Panel title={`New user on ${server?.name}`}>
            <CreateUserForm serverId={serverId} />
          </Panel>
          <Panel title="Accounts">
            {error && <p className="text-xs text-danger">{error.message}</p>}
            {!users && !error && <p className="text-xs text-muted">Loading…</p>}
            {users && (
              <ul className="flex flex-col divide-y divide-line" aria-label="Users">
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
        </div>
      )}
    </>
  );
}
