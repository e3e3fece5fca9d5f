import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role, StaffMember } from '@contract/api';
import { ACCOUNT_NAME_RE, PASSWORD_MIN } from '@protocol/validation';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { t as translate } from '../i18n/i18n';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { Panel } from '../ui/Panel';

/** A staff member's name is also a Linux account name, stricter than an agent user name. */
export function staffNameProblem(name: string): string | null {
  if (name === '') return null;
  return ACCOUNT_NAME_RE.test(name) ? null : translate('staff.nameRule');
}

/** One OpenSSH public key line; the agent checks it fully (INVALID_PUBLIC_KEY says why). */
export function publicKeyProblem(key: string): string | null {
  const line = key.trim();
  if (line === '') return null;
  if (/[\r\n]/.test(line)) return translate('staff.keyOneLine');
  return /^(ssh-|ecdsa-|sk-)\S+ [A-Za-z0-9+/=]+( .*)?$/.test(line)
    ? null
    : translate('staff.keyRule');
}

function AddStaffForm({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const addStaff = useApp((s) => s.addStaff);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [publicKey, setPublicKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameProblem = staffNameProblem(username);
  const keyProblem = publicKeyProblem(publicKey);
  const pwProblem =
    password !== '' && password.length < PASSWORD_MIN
      ? t('users.passwordMin', { min: PASSWORD_MIN })
      : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await addStaff(serverId, { username, password, role, publicKey: publicKey.trim() });
      setUsername('');
      setPassword('');
      setPublicKey('');
    } catch (err) {
      const e = err as { code?: string; message?: string };
      setError(errorText({ code: e.code ?? 'INTERNAL', message: e.message ?? '' }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="flex flex-col gap-3"
      aria-label={t('staff.addForm')}
    >
      <div className="grid grid-cols-[1fr_1fr_120px] items-start gap-3">
        <Field
          label={t('staff.username')}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          problem={nameProblem}
          autoComplete="off"
        />
        <Field
          label={t('staff.password')}
          hint={t('staff.passwordHint')}
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          problem={pwProblem}
          autoComplete="new-password"
        />
        <div className="flex flex-col gap-1">
          <label className="text-xs font-medium text-muted" htmlFor="new-staff-role">
            {t('users.role')}
          </label>
          <select
            id="new-staff-role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            className={inputClass}
          >
            <option value="user">{t('role.user')}</option>
            <option value="admin">{t('role.admin')}</option>
          </select>
        </div>
      </div>
      <div className="flex flex-col gap-1">
        <label className="text-xs font-medium text-muted" htmlFor="new-staff-key">
          {t('staff.publicKey')}
        </label>
        <textarea
          id="new-staff-key"
          rows={3}
          spellCheck={false}
          value={publicKey}
          onChange={(e) => setPublicKey(e.target.value)}
          placeholder={t('staff.publicKeyPlaceholder')}
          aria-invalid={keyProblem ? true : undefined}
          className={`${inputClass} h-auto font-mono text-xs`}
        />
        <p className={`text-xs ${keyProblem ? 'text-danger' : 'text-muted'}`}>
          {keyProblem ?? t('staff.publicKeyHint')}
        </p>
      </div>
      {error && (
        <p role="alert" className="text-xs text-danger">
          {error}
        </p>
      )}
      <div>
        <Button
          variant="primary"
          type="submit"
          busy={busy}
          disabled={
            !username ||
            !password ||
            !publicKey.trim() ||
            nameProblem !== null ||
            pwProblem !== null ||
            keyProblem !== null
          }
        >
          {t('staff.add')}
        </Button>
      </div>
    </form>
  );
}

function StaffRow({ serverId, member }: { serverId: string; member: StaffMember }) {
  const { t } = useTranslation();
  const removeStaff = useApp((s) => s.removeStaff);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  async function remove() {
    setBusy(true);
    try {
      await removeStaff(serverId, member.username);
    } catch {
      // The slice toasted why; the row stays.
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <li
      className="flex items-center gap-3 py-2"
      data-testid="staff-row"
      data-username={member.username}
    >
      <span className="w-40 truncate font-medium">{member.username}</span>
      <span className="truncate font-mono text-xs text-muted" title={member.keyFingerprint}>
        {member.keyType} {member.keyFingerprint}
      </span>
      {!member.agentUser && <Badge tone="amber" label={t('staff.halfRemoved')} />}
      <span className="flex-1" />
      {confirming ? (
        <>
          <span className="text-xs">{t('staff.confirmRemove', { name: member.username })}</span>
          <Button size="sm" onClick={() => setConfirming(false)}>
            {t('common.cancel')}
          </Button>
          <Button size="sm" variant="danger" busy={busy} onClick={() => void remove()}>
            {t('staff.remove')}
          </Button>
        </>
      ) : (
        <Button size="sm" variant="danger-ghost" onClick={() => setConfirming(true)}>
          {t('staff.remove')}
        </Button>
      )}
    </li>
  );
}

/** Admins give each staff member their own SSH login that can only reach the agent. */
export function StaffSection({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const staff = useApp((s) => s.staff[serverId]);
  const error = useApp((s) => s.staffError[serverId]);
  const loadStaff = useApp((s) => s.loadStaff);

  useEffect(() => {
    void loadStaff(serverId);
  }, [serverId, loadStaff]);

  return (
    <Panel title={t('staff.title')}>
      <p className="mb-3 text-xs text-muted">{t('staff.explain')}</p>
      {error && <p className="mb-3 text-xs text-danger">{errorText(error)}</p>}
      {!staff && !error && <p className="text-xs text-muted">{t('common.loading')}</p>}
      {staff && staff.length === 0 && <p className="text-xs text-muted">{t('staff.none')}</p>}
      {staff && staff.length > 0 && (
        <ul className="mb-4 flex flex-col divide-y divide-line" aria-label={t('staff.listLabel')}>
          {staff.map((m) => (
            <StaffRow key={m.username} serverId={serverId} member={m} />
          ))}
        </ul>
      )}
      {!(error && error.code === 'STAFF_UNSUPPORTED') && <AddStaffForm serverId={serverId} />}
    </Panel>
  );
}
