import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  InstanceSettingsView,
  SecretRotation,
  SettingValue,
  StackChangePlan,
} from '@contract/api';
import { toApiError, type ApiError } from '../../api';
import { useApp } from '../../app/store';
import { errorText } from '../../i18n/error-messages';
import { Button, Spinner } from '../../ui/Button';
import { Field, inputClass } from '../../ui/Field';
import { Panel } from '../../ui/Panel';
import {
  API_FIELDS,
  asText,
  AUTH_FIELDS,
  EMAIL_FIELDS,
  ENV_SERVICES,
  isEnvName,
  problemOf,
  providerFields,
  PROVIDERS,
  type FieldSpec,
} from './fields';

type Edits = Record<string, SettingValue | null>;
const ROTATIONS: SecretRotation[] = ['jwt', 'db-password', 'dashboard-password'];

/**
 * A project's settings, edited as a draft: nothing reaches the server until the person has
 * seen what changes and which services restart (a dry run), then applies. Secret values live
 * in this component's state only and never come back from the server.
 */
export function ProjectSettingsPanel({
  serverId,
  instanceId,
}: {
  serverId: string;
  instanceId: string;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const toast = useApp((s) => s.toast);
  const [view, setView] = useState<InstanceSettingsView | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [edits, setEdits] = useState<Edits>({});
  const [plan, setPlan] = useState<StackChangePlan | null>(null);
  const [refused, setRefused] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState<'review' | 'apply' | 'email' | SecretRotation | null>(null);
  const [confirming, setConfirming] = useState<SecretRotation | null>(null);
  const [mailTo, setMailTo] = useState('');
  const [newEnv, setNewEnv] = useState({ service: 'auth', name: '', value: '' });

  const load = useCallback(async () => {
    try {
      setView(await api.projectSettings(serverId, instanceId));
      setLoadError(null);
    } catch (raw) {
      setLoadError(toApiError(raw));
    }
  }, [api, serverId, instanceId]);
  useEffect(() => void load(), [load]);

  if (loadError) {
    return (
      <Panel title={t('projectSettings.title')}>
        <p className="text-[13px] text-danger" role="alert">
          {errorText(loadError)}
        </p>
      </Panel>
    );
  }
  if (!view) return <Spinner />;

  const current = (key: string): SettingValue | undefined => view.values[key];
  const shownText = (key: string) =>
    key in edits ? asText(edits[key] ?? '') : asText(current(key));
  const edit = (key: string, value: SettingValue | null) => {
    setPlan(null);
    setRefused(null);
    setEdits((e) => {
      const next = { ...e };
      if (value !== null && JSON.stringify(value) === JSON.stringify(current(key)))
        delete next[key];
      else next[key] = value;
      return next;
    });
  };
  const problems = Object.entries(edits).filter(([key, value]) => {
    const spec = findSpec(key);
    return spec && typeof value === 'string' && problemOf(spec.kind, value) !== null;
  });
  const dirty = Object.keys(edits).length > 0;

  async function submit(dryRun: boolean) {
    setBusy(dryRun ? 'review' : 'apply');
    try {
      const result = await api.setProjectSettings(serverId, instanceId, edits, { dryRun });
      if (dryRun) setPlan(result.plan);
      else {
        setView(result.settings);
        setEdits({});
        setPlan(null);
        toast({
          kind: 'success',
          title: t('projectSettings.applied'),
          body: t('projectSettings.restarted', {
            services: result.plan.services.join(', ') || t('projectSettings.noRestart'),
          }),
        });
      }
    } catch (raw) {
      const error = toApiError(raw);
      const field = typeof error.data?.field === 'string' ? error.data.field : undefined;
      if (field) setRefused({ field, message: errorText(error) });
      else toast({ kind: 'error', title: t('projectSettings.notApplied'), body: errorText(error) });
    } finally {
      setBusy(null);
    }
  }

  async function rotate(which: SecretRotation) {
    setConfirming(null);
    setBusy(which);
    try {
      const { plan: done } = await api.rotateProjectSecret(serverId, instanceId, which);
      toast({
        kind: 'success',
        title: t(`projectSettings.rotated.${which}`),
        body: t('projectSettings.restarted', { services: done.services.join(', ') }),
      });
    } catch (raw) {
      toast({
        kind: 'error',
        title: t('projectSettings.notRotated'),
        body: errorText(toApiError(raw)),
      });
    } finally {
      setBusy(null);
    }
  }

  async function sendMail() {
    setBusy('email');
    try {
      await api.sendTestEmail(serverId, instanceId, mailTo.trim());
      toast({ kind: 'success', title: t('projectSettings.emailSent', { to: mailTo.trim() }) });
    } catch (raw) {
      toast({
        kind: 'error',
        title: t('projectSettings.emailFailed'),
        body: errorText(toApiError(raw)),
      });
    } finally {
      setBusy(null);
    }
  }

  const input = (spec: FieldSpec) => {
    const label = t(
      `projectSettings.fields.${labelKey(spec.key)}` as 'projectSettings.fields.siteUrl',
    );
    if (spec.kind === 'bool') {
      const checked = (spec.key in edits ? edits[spec.key] : current(spec.key)) === true;
      return (
        <label key={spec.key} className="flex items-center gap-2 text-[13px]">
          <input
            type="checkbox"
            checked={checked}
            onChange={(e) => edit(spec.key, e.target.checked)}
          />
          {label}
        </label>
      );
    }
    const text = shownText(spec.key);
    const typed = spec.key in edits ? problemOf(spec.kind, text) : null;
    const serverProblem = refused?.field === spec.key ? refused.message : null;
    return (
      <Field
        key={spec.key}
        label={label}
        type={spec.kind === 'secret' ? 'password' : 'text'}
        autoComplete="off"
        value={text}
        placeholder={
          spec.kind === 'secret' && view.secretsSet.includes(spec.key)
            ? t('projectSettings.secretKept')
            : undefined
        }
        problem={serverProblem ?? (typed ? t(`projectSettings.problems.${typed}`) : null)}
        onChange={(e) =>
          edit(spec.key, e.target.value === '' && spec.kind === 'secret' ? null : e.target.value)
        }
      />
    );
  };

  const envKeys = [
    ...new Set(
      [...Object.keys(view.values), ...Object.keys(edits)].filter((k) => k.startsWith('env.')),
    ),
  ].filter((k) => edits[k] !== null);

  return (
    <div className="flex flex-col gap-4">
      <Panel title={t('projectSettings.sections.auth')}>
        <div className="grid grid-cols-2 gap-x-4 gap-y-1">{AUTH_FIELDS.map(input)}</div>
      </Panel>
      <Panel title={t('projectSettings.sections.email')}>
        <div className="grid grid-cols-2 gap-x-4 gap-y-1">{EMAIL_FIELDS.map(input)}</div>
        <div className="mt-2 flex items-end gap-2">
          <div className="flex-1">
            <Field
              label={t('projectSettings.testEmailTo')}
              value={mailTo}
              hint={dirty ? t('projectSettings.testEmailSaved') : undefined}
              problem={
                mailTo && problemOf('email', mailTo) ? t('projectSettings.problems.email') : null
              }
              onChange={(e) => setMailTo(e.target.value)}
            />
          </div>
          <Button
            className="mb-5"
            disabled={busy !== null || !mailTo || problemOf('email', mailTo) !== null}
            onClick={() => void sendMail()}
          >
            {busy === 'email' && <Spinner />}
            {t('projectSettings.sendTestEmail')}
          </Button>
        </div>
      </Panel>
      <Panel title={t('projectSettings.sections.providers')}>
        <div className="flex flex-col gap-3">
          {PROVIDERS.map((provider) => (
            <fieldset key={provider} className="grid grid-cols-2 gap-x-4 gap-y-1">
              <legend className="mb-1 text-[13px] font-semibold">
                {t(`projectSettings.providers.${provider}`)}
              </legend>
              {providerFields(provider).map(input)}
            </fieldset>
          ))}
        </div>
      </Panel>
      <Panel title={t('projectSettings.sections.api')}>
        <div className="grid grid-cols-2 gap-x-4 gap-y-1">{API_FIELDS.map(input)}</div>
      </Panel>
      <Panel title={t('projectSettings.sections.advanced')}>
        <p className="mb-2 text-xs text-muted">{t('projectSettings.advancedHint')}</p>
        {envKeys.map((key) => (
          <div key={key} className="flex items-end gap-2">
            <div className="flex-1">
              <Field
                label={key.slice('env.'.length)}
                value={shownText(key)}
                problem={refused?.field === key ? refused.message : null}
                onChange={(e) => edit(key, e.target.value)}
              />
            </div>
            <Button variant="danger-ghost" className="mb-5" onClick={() => edit(key, null)}>
              {t('common.remove')}
            </Button>
          </div>
        ))}
        <div className="flex items-end gap-2">
          <label className="flex flex-col gap-1 text-xs font-medium text-muted">
            {t('projectSettings.service')}
            <select
              className={`${inputClass} w-32`}
              value={newEnv.service}
              onChange={(e) => setNewEnv({ ...newEnv, service: e.target.value })}
            >
              {ENV_SERVICES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <div className="flex-1">
            <Field
              label={t('projectSettings.envName')}
              value={newEnv.name}
              problem={
                newEnv.name && !isEnvName(newEnv.name)
                  ? t('projectSettings.problems.envName')
                  : null
              }
              onChange={(e) => setNewEnv({ ...newEnv, name: e.target.value })}
            />
          </div>
          <div className="flex-1">
            <Field
              label={t('projectSettings.envValue')}
              value={newEnv.value}
              onChange={(e) => setNewEnv({ ...newEnv, value: e.target.value })}
            />
          </div>
          <Button
            className="mb-5"
            disabled={!isEnvName(newEnv.name)}
            onClick={() => {
              edit(`env.${newEnv.service}.${newEnv.name}`, newEnv.value);
              setNewEnv({ ...newEnv, name: '', value: '' });
            }}
          >
            {t('projectSettings.addVariable')}
          </Button>
        </div>
      </Panel>
      <Panel title={t('projectSettings.sections.secrets')}>
        <p className="mb-2 text-xs text-muted">{t('projectSettings.secretsHint')}</p>
        <div className="flex flex-col gap-2">
          {ROTATIONS.map((which) => (
            <div key={which} className="flex items-center gap-2 text-[13px]">
              <span className="flex-1">{t(`projectSettings.rotate.${which}`)}</span>
              {confirming === which ? (
                <>
                  <span className="text-danger">{t(`projectSettings.confirmRotate.${which}`)}</span>
                  <Button variant="danger" onClick={() => void rotate(which)}>
                    {t('projectSettings.confirm')}
                  </Button>
                  <Button variant="ghost" onClick={() => setConfirming(null)}>
                    {t('common.cancel')}
                  </Button>
                </>
              ) : (
                <Button disabled={busy !== null} onClick={() => setConfirming(which)}>
                  {busy === which && <Spinner />}
                  {t('projectSettings.rotateButton')}
                </Button>
              )}
            </div>
          ))}
        </div>
      </Panel>
      {dirty && (
        <div className="sticky bottom-0 flex flex-col gap-2 rounded-lg border border-line bg-panel p-4">
          <ul className="text-[13px]" aria-label={t('projectSettings.changes')}>
            {Object.entries(edits).map(([key, value]) => (
              <li key={key}>
                <code>{key}</code>:{' '}
                {findSpec(key)?.kind === 'secret'
                  ? value === null
                    ? t('projectSettings.secretCleared')
                    : t('projectSettings.secretChanged')
                  : `${asText(current(key)) || '—'} → ${value === null ? t('projectSettings.default') : asText(value) || '—'}`}
              </li>
            ))}
          </ul>
          {plan && (
            <p className="text-[13px]" role="status">
              {plan.services.length > 0
                ? t('projectSettings.willRestart', { services: plan.services.join(', ') })
                : t('projectSettings.noRestartNeeded')}
            </p>
          )}
          <div className="flex gap-2">
            <Button variant="ghost" onClick={() => (setEdits({}), setPlan(null), setRefused(null))}>
              {t('projectSettings.discard')}
            </Button>
            {plan ? (
              <Button variant="primary" disabled={busy !== null} onClick={() => void submit(false)}>
                {busy === 'apply' && <Spinner />}
                {t('projectSettings.apply')}
              </Button>
            ) : (
              <Button
                disabled={busy !== null || problems.length > 0}
                onClick={() => void submit(true)}
              >
                {busy === 'review' && <Spinner />}
                {t('projectSettings.review')}
              </Button>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

const ALL_FIELDS: FieldSpec[] = [
  ...AUTH_FIELDS,
  ...EMAIL_FIELDS,
  ...API_FIELDS,
  ...PROVIDERS.flatMap(providerFields),
];

function findSpec(key: string): FieldSpec | undefined {
  return ALL_FIELDS.find((f) => f.key === key);
}

/** `auth.external.google.clientId` → `providerClientId`; `smtp.host` → `smtpHost`. */
function labelKey(key: string): string {
  if (key.startsWith('auth.external.')) {
    const field = key.split('.')[3]!;
    return `provider${field[0]!.toUpperCase()}${field.slice(1)}`;
  }
  const [group, name] = key.split('.') as [string, string];
  return group === 'auth' ? name : `${group}${name[0]!.toUpperCase()}${name.slice(1)}`;
}
