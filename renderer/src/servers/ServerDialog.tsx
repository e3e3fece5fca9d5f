import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import type { ServerInput, SshAuthMethod, SshConfigHost } from '@contract/api';
import { toApiError, type ApiError } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { Field, Select } from '../ui/Field';

interface FormState {
  name: string;
  host: string;
  port: string;
  username: string;
  auth: SshAuthMethod;
  keyPath: string;
  jumpServerId: string;
  agentUsername: string;
  sshPassword: string;
  keyPassphrase: string;
  agentPassword: string;
  /** A staff login: the person's own restricted account, reaching only the agent (no bootstrap). */
  staff: boolean;
  /** The profile was a staff login when the dialog opened (so unticking clears it). */
  wasStaff: boolean;
}

export const EMPTY_SERVER_FORM: FormState = {
  name: '',
  host: '',
  port: '22',
  username: 'root',
  auth: 'key',
  keyPath: '~/.ssh/id_ed25519',
  jumpServerId: '',
  agentUsername: 'admin',
  sshPassword: '',
  keyPassphrase: '',
  agentPassword: '',
  staff: false,
  wasStaff: false,
};

/** Which field a refusal belongs under, so the reason shows where the person will fix it. */
function fieldOf(error: ApiError): keyof FormState | null {
  switch (error.code) {
    case 'SERVER_EXISTS':
      return 'name';
    case 'KEY_FILE_UNREADABLE':
      return 'keyPath';
    case 'INVALID_PARAMS':
      return null;
    default:
      return null;
  }
}

export function toServerInput(form: FormState, editing: boolean): ServerInput {
  const input: ServerInput = {
    name: form.name.trim(),
    host: form.host.trim(),
    port: Number(form.port) || 22,
    username: form.username.trim() || 'root',
    auth: form.auth,
    // A staff member's agent account is made together with her SSH account, under one name.
    agentUsername: form.agentUsername.trim() || (form.staff ? form.username.trim() : 'admin'),
  };
  if (form.staff) input.access = 'staff';
  else if (editing && form.wasStaff) input.access = 'full';
  if (form.auth === 'key' && form.keyPath.trim()) input.keyPath = form.keyPath.trim();
  if (form.jumpServerId) input.jumpServerId = form.jumpServerId;
  const secrets: NonNullable<ServerInput['secrets']> = {};
  if (form.auth === 'password' && form.sshPassword) secrets.sshPassword = form.sshPassword;
  if (form.auth === 'key' && form.keyPassphrase) secrets.keyPassphrase = form.keyPassphrase;
  if (form.agentPassword) secrets.agentPassword = form.agentPassword;
  // On edit, an empty secret field means "keep what the keychain has".
  if (Object.keys(secrets).length > 0 || !editing) input.secrets = secrets;
  return input;
}

export function ServerDialog({ serverId }: { serverId?: string }) {
  const { t } = useTranslation();
  const servers = useApp((s) => s.servers);
  const closeDialog = useApp((s) => s.closeDialog);
  const addServer = useApp((s) => s.addServer);
  const updateServer = useApp((s) => s.updateServer);
  const api = useApp((s) => s.api);
  const editing = servers.find((s) => s.id === serverId);
  const [form, setForm] = useState<FormState>(() =>
    editing
      ? {
          ...EMPTY_SERVER_FORM,
          name: editing.name,
          host: editing.host,
          port: String(editing.port),
          username: editing.username,
          auth: editing.auth,
          keyPath: editing.keyPath ?? '',
          jumpServerId: editing.jumpServerId ?? '',
          agentUsername: editing.agentUsername,
          staff: editing.access === 'staff',
          wasStaff: editing.access === 'staff',
        }
      : EMPTY_SERVER_FORM,
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [sshHosts, setSshHosts] = useState<SshConfigHost[] | null>(null);

  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));

  async function importSshConfig() {
    try {
      setSshHosts(await api.readSshConfig());
    } catch (raw) {
      setError(toApiError(raw));
    }
  }

  function applySshHost(h: SshConfigHost) {
    const jump = h.proxyJump
      ? servers.find((s) => s.name === h.proxyJump || s.host === h.proxyJump)
      : undefined;
    set({
      name: form.name || h.alias,
      host: h.hostName,
      port: String(h.port ?? 22),
      username: h.user ?? form.username,
      auth: h.identityFile ? 'key' : 'agent',
      keyPath: h.identityFile ?? '',
      jumpServerId: jump?.id ?? '',
    });
    setSshHosts(null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = toServerInput(form, editing !== undefined);
      if (editing) await updateServer(editing.id, input);
      else await addServer(input);
      closeDialog();
    } catch (raw) {
      setError(toApiError(raw));
    } finally {
      setBusy(false);
    }
  }

  const problemFor = (field: keyof FormState) =>
    error && fieldOf(error) === field ? errorText(error) : null;
  const generalError = error && fieldOf(error) === null ? error : null;
  const valid = form.name.trim() !== '' && form.host.trim() !== '';

  return (
    <Dialog
      title={
        editing ? t('serverDialog.editTitle', { name: editing.name }) : t('serverDialog.addTitle')
      }
      onClose={closeDialog}
      width="w-[600px]"
      testId="server-dialog"
      footer={
        <>
          <Button onClick={closeDialog}>{t('common.cancel')}</Button>
          <Button variant="primary" type="submit" form="server-form" busy={busy} disabled={!valid}>
            {editing ? t('common.save') : t('serverDialog.add')}
          </Button>
        </>
      }
    >
      <form
        id="server-form"
        onSubmit={(e) => void submit(e)}
        className="grid grid-cols-2 gap-x-4 gap-y-1"
      >
        {!editing && (
          <div className="col-span-2 mb-3 flex items-center justify-between rounded-md border border-dashed border-line px-3 py-2 text-xs text-muted">
            <span>{t('serverDialog.importHint')}</span>
            <Button size="sm" onClick={() => void importSshConfig()}>
              {t('serverDialog.import')}
            </Button>
          </div>
        )}
        {sshHosts && (
          <div
            className="col-span-2 mb-3 max-h-40 overflow-auto rounded-md border border-line"
            role="listbox"
            aria-label={t('serverDialog.hostsLabel')}
          >
            {sshHosts.length === 0 && (
              <p className="p-3 text-xs text-muted">{t('serverDialog.noHosts')}</p>
            )}
            {sshHosts.map((h) => (
              <button
                key={h.alias}
                type="button"
                role="option"
                aria-selected={false}
                onClick={() => applySshHost(h)}
                className="flex w-full justify-between px-3 py-1.5 text-left hover:bg-raised"
              >
                <span className="font-medium">{h.alias}</span>
                <span className="text-xs text-muted">
                  {h.user ? `${h.user}@` : ''}
                  {h.hostName}
                  {h.port ? `:${h.port}` : ''}
                </span>
              </button>
            ))}
          </div>
        )}
        <Field
          label={t('serverDialog.name')}
          value={form.name}
          onChange={(e) => set({ name: e.target.value })}
          placeholder="production-eu"
          problem={problemFor('name')}
          hint={t('serverDialog.nameHint')}
          autoFocus
        />
        <Field
          label={t('serverDialog.host')}
          value={form.host}
          onChange={(e) => set({ host: e.target.value })}
          placeholder={t('serverDialog.hostPlaceholder')}
        />
        <Field
          label={t('serverDialog.sshPort')}
          value={form.port}
          inputMode="numeric"
          onChange={(e) => set({ port: e.target.value.replace(/\D/g, '') })}
        />
        <Field
          label={t('serverDialog.sshUser')}
          value={form.username}
          onChange={(e) => set({ username: e.target.value })}
        />
        <div className="col-span-2 mb-3">
          <span className="text-xs font-medium text-muted">{t('serverDialog.authentication')}</span>
          <div
            role="radiogroup"
            aria-label={t('serverDialog.authentication')}
            className="mt-1 grid grid-cols-3 gap-2"
          >
            {(
              [
                ['key', t('serverDialog.auth.key')],
                ['agent', t('serverDialog.auth.agent')],
                ['password', t('serverDialog.auth.password')],
              ] as [SshAuthMethod, string][]
            ).map(([value, label]) => (
              <label
                key={value}
                className={`flex cursor-pointer items-center gap-2 rounded-md border px-3 py-1.5 ${form.auth === value ? 'border-brand bg-brand/5' : 'border-line'}`}
              >
                <input
                  type="radio"
                  name="auth"
                  value={value}
                  checked={form.auth === value}
                  onChange={() => set({ auth: value })}
                  className="accent-[var(--brand)]"
                />
                {label}
              </label>
            ))}
          </div>
        </div>
        {form.auth === 'key' && (
          <>
            <Field
              label={t('serverDialog.keyFile')}
              value={form.keyPath}
              onChange={(e) => set({ keyPath: e.target.value })}
              problem={problemFor('keyPath')}
            />
            <Field
              label={t('serverDialog.passphrase')}
              type="password"
              autoComplete="off"
              value={form.keyPassphrase}
              onChange={(e) => set({ keyPassphrase: e.target.value })}
              hint={t('serverDialog.keptInKeychain')}
            />
          </>
        )}
        {form.auth === 'password' && (
          <div className="col-span-2">
            <Field
              label={t('serverDialog.sshPassword')}
              type="password"
              autoComplete="off"
              value={form.sshPassword}
              onChange={(e) => set({ sshPassword: e.target.value })}
              hint={
                editing?.secrets.sshPassword
                  ? t('serverDialog.storedKeep')
                  : t('serverDialog.keptNeverFile')
              }
            />
          </div>
        )}
        <Field
          label={t('serverDialog.agentAccount')}
          value={form.agentUsername}
          onChange={(e) => set({ agentUsername: e.target.value })}
          hint={t('serverDialog.agentAccountHint')}
        />
        <Field
          label={t('serverDialog.agentPassword')}
          type="password"
          autoComplete="off"
          value={form.agentPassword}
          onChange={(e) => set({ agentPassword: e.target.value })}
          hint={
            editing?.secrets.agentPassword
              ? t('serverDialog.agentStoredKeep')
              : t('serverDialog.agentFirstAdmin')
          }
        />
        <label className="col-span-2 mb-3 flex items-start gap-2 text-xs">
          <input
            type="checkbox"
            checked={form.staff}
            onChange={(e) => set({ staff: e.target.checked })}
            className="mt-0.5 accent-[var(--brand)]"
          />
          <span>
            <span className="font-medium">{t('serverDialog.staffLogin')}</span>
            <span className="block text-muted">{t('serverDialog.staffLoginHint')}</span>
          </span>
        </label>
        {servers.filter((s) => s.id !== serverId && s.kind === 'ssh').length > 0 && (
          <div className="col-span-2">
            <Select
              label={t('serverDialog.jumpHost')}
              value={form.jumpServerId}
              onChange={(v) => set({ jumpServerId: v })}
              options={[
                { value: '', label: t('serverDialog.direct') },
                ...servers
                  .filter((s) => s.id !== serverId && s.kind === 'ssh')
                  .map((s) => ({ value: s.id, label: s.name })),
              ]}
            />
          </div>
        )}
        {generalError && (
          <p
            role="alert"
            className="col-span-2 mt-2 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-xs text-danger"
          >
            {errorText(generalError)} <span className="opacity-70">({generalError.code})</span>
          </p>
        )}
      </form>
    </Dialog>
  );
}
