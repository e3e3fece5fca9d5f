import { useMemo, useState, type FormEvent } from 'react';
import { BEST_FIT, bestFit, useCapacities, type FixedSize } from './capacity-hints';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import type { Exposure } from '@contract/api';
import { projectKey } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { Field, Select } from '../ui/Field';
import { CreationProgress } from './CreationProgress';
import { SizeSelect } from './SizeSelect';
import { nameProblem as localNameProblem } from './nameProblem';
import { summarizeProgress } from './progressSummary';

/** Codes that explain a refusal of the whole request; the catalogue says what to do about each. */
const ADVICE = {
  LIMIT_REACHED: 'create.advice.LIMIT_REACHED',
  INSUFFICIENT_RESOURCES: 'create.advice.INSUFFICIENT_RESOURCES',
  PORTS_EXHAUSTED: 'create.advice.PORTS_EXHAUSTED',
  DOCKER_UNAVAILABLE: 'create.advice.DOCKER_UNAVAILABLE',
  FORBIDDEN: 'create.advice.FORBIDDEN',
} as const;

function adviceFor(code: string): (typeof ADVICE)[keyof typeof ADVICE] | undefined {
  return (ADVICE as Record<string, (typeof ADVICE)[keyof typeof ADVICE]>)[code];
}

export function CreateDialog({ serverId: initialServer }: { serverId?: string }) {
  const { t } = useTranslation();
  const servers = useApp((s) => s.servers);
  const settings = useApp((s) => s.settings);
  const closeDialog = useApp((s) => s.closeDialog);
  const createProject = useApp((s) => s.createProject);
  const createError = useApp((s) => s.createError);
  const active = useApp((s) => s.activeCreation);
  const resetCreation = useApp((s) => s.resetCreation);
  const navigate = useApp((s) => s.navigate);
  const progress = useApp((s) =>
    active ? s.progress[projectKey(active.serverId, active.instanceId)] : undefined,
  );
  const connected = servers.filter((s) => s.state === 'connected');
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [serverId, setServerId] = useState(initialServer ?? connected[0]?.id ?? '');
  const [exposure, setExposure] = useState<Exposure>(settings.defaultExposure);
  const [busy, setBusy] = useState(false);
  const [size, setSize] = useState<FixedSize>('medium');
  const api = useApp((s) => s.api);
  const capacities = useCapacities(
    api,
    connected.map((s) => s.id),
  );
  const best = bestFit(capacities, size);

  const problem = touched || name !== '' ? localNameProblem(name) : null;
  const serverProblem = createError?.code === 'INVALID_NAME' ? null : createError;
  const nameProblem = createError?.code === 'INVALID_NAME' ? errorText(createError) : problem;
  const summary = useMemo(() => summarizeProgress(progress ?? []), [progress]);

  function close() {
    resetCreation();
    closeDialog();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    const target = serverId === BEST_FIT ? best?.serverId : serverId;
    if (localNameProblem(name) || !target) return;
    setBusy(true);
    await createProject(target, name, exposure, { size: { profile: size } });
    setBusy(false);
  }

  if (active) {
    return (
      <Dialog
        title={t('create.creating', { name })}
        onClose={close}
        testId="create-dialog"
        width="w-[600px]"
        footer={
          summary.succeeded ? (
            <Button
              variant="primary"
              onClick={() => {
                close();
                navigate({
                  kind: 'project',
                  serverId: active.serverId,
                  instanceId: active.instanceId,
                });
              }}
            >
              {t('create.openProject')}
            </Button>
          ) : (
            <Button onClick={close}>
              {summary.finished ? t('common.close') : t('create.continueInBackground')}
            </Button>
          )
        }
      >
        <CreationProgress serverId={active.serverId} instanceId={active.instanceId} />
      </Dialog>
    );
  }

  return (
    <Dialog
      title={t('create.title')}
      onClose={close}
      testId="create-dialog"
      footer={
        <>
          <Button onClick={close}>{t('common.cancel')}</Button>
          <Button
            variant="primary"
            type="submit"
            form="create-form"
            busy={busy}
            disabled={
              !serverId || (serverId === BEST_FIT && !best) || (touched && problem !== null)
            }
          >
            {t('create.submit')}
          </Button>
        </>
      }
    >
      {connected.length === 0 ? (
        <p className="text-muted">{t('create.connectFirst')}</p>
      ) : (
        <form id="create-form" onSubmit={(e) => void submit(e)} className="flex flex-col gap-2">
          <Field
            label={t('create.name')}
            value={name}
            autoFocus
            maxLength={80}
            placeholder="acme-staging"
            onChange={(e) => {
              setName(e.target.value);
              if (createError) resetCreation();
            }}
            onBlur={() => setTouched(true)}
            problem={nameProblem}
            hint={t('create.nameHint')}
          />
          <Select
            label={t('create.server')}
            value={serverId}
            onChange={setServerId}
            options={[
              ...connected.map((s) => ({
                value: s.id,
                label: t('create.serverOption', { name: s.name, host: s.host }),
              })),
              ...(connected.length > 1
                ? [
                    {
                      value: BEST_FIT,
                      label: best
                        ? t('capacity.bestFit', {
                            name: connected.find((s) => s.id === best.serverId)?.name ?? '',
                          })
                        : t('capacity.bestFitNone'),
                    },
                  ]
                : []),
            ]}
          />
          <SizeSelect
            size={size}
            onChange={setSize}
            capacity={(() => {
              const target = serverId === BEST_FIT ? best?.serverId : serverId;
              return target ? capacities[target] : undefined;
            })()}
          />
          <fieldset className="mt-3 flex flex-col gap-2">
            <legend className="mb-1 text-xs font-medium text-muted">{t('create.exposure')}</legend>
            {(
              [
                ['private', t('create.privateLabel'), t('create.privateText')],
                ['public', t('create.publicLabel'), t('create.publicText')],
              ] as [Exposure, string, string][]
            ).map(([value, label, text]) => (
              <label
                key={value}
                className={`flex cursor-pointer gap-3 rounded-md border px-3 py-2 ${exposure === value ? 'border-brand bg-brand/5' : 'border-line'}`}
              >
                <input
                  type="radio"
                  name="exposure"
                  value={value}
                  checked={exposure === value}
                  onChange={() => setExposure(value)}
                  className="mt-0.5 accent-[var(--brand)]"
                />
                <span>
                  <span className="font-medium">{label}</span>
                  <span className="block text-xs text-muted">{text}</span>
                </span>
              </label>
            ))}
          </fieldset>
          {serverProblem && (
            <div
              role="alert"
              className="mt-3 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-danger"
            >
              <p className="font-medium">{errorText(serverProblem)}</p>
              {adviceFor(serverProblem.code) && (
                <p className="text-xs opacity-90">{t(adviceFor(serverProblem.code)!)}</p>
              )}
              <p className="text-xs opacity-70">{t('common.code', { code: serverProblem.code })}</p>
            </div>
          )}
        </form>
      )}
    </Dialog>
  );
}
