import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProjectView, StackChangePlan } from '@contract/api';
import { OPTIONAL_SERVICES, type OptionalService } from '@protocol/types';
import { toApiError } from '../../api';
import { useApp } from '../../app/store';
import { errorText } from '../../i18n/error-messages';
import { formatMb } from '../../i18n/format';
import { Button } from '../../ui/Button';
import { Dialog } from '../../ui/Dialog';
import { Panel } from '../../ui/Panel';
import {
  changeFrom,
  DIALOG_SIZES,
  isEmptyChange,
  memoryRefusal,
  servicesNow,
  type DialogSize,
  type MemoryRefusal,
} from './resize-model';

/** What the agent said about the change on the form, asked as a dry run. */
export type Preview =
  | { kind: 'unchanged' }
  | { kind: 'checking' }
  | { kind: 'plan'; plan: StackChangePlan }
  | { kind: 'refused'; refusal: MemoryRefusal }
  | { kind: 'error'; text: string };

/** Size and optional services of a project, and a button to change them. */
export function SizePanel({ project }: { project: ProjectView }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const services = servicesNow(project.optionalServices);
  const profile = project.size?.profile ?? 'medium';
  return (
    <Panel
      title={t('capacity.resize.title')}
      actions={
        <Button size="sm" onClick={() => setOpen(true)} data-testid="resize-open">
          {t('capacity.resize.change')}
        </Button>
      }
    >
      <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-xs" data-testid="size-summary">
        <dt className="text-muted">{t('capacity.resize.size')}</dt>
        <dd>
          {profile === 'custom'
            ? t('capacity.resize.custom', {
                memory: formatMb(project.size?.memoryMb ?? 0),
                cpus: project.size?.cpus ?? 0,
              })
            : t(`capacity.size.${profile}`)}
        </dd>
        <dt className="text-muted">{t('capacity.resize.services')}</dt>
        <dd>
          {OPTIONAL_SERVICES.filter((s) => services[s])
            .map((s) => t(`capacity.service.${s}`))
            .join(', ') || '—'}
        </dd>
      </dl>
      {open && <ResizeDialog project={project} onClose={() => setOpen(false)} />}
    </Panel>
  );
}

/** The dialog: a size picker, service toggles, and the agent's dry run of the change. */
export function ResizeDialog({ project, onClose }: { project: ProjectView; onClose: () => void }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const upsertProject = useApp((s) => s.upsertProject);
  const startSize = project.size?.profile;
  const [size, setSize] = useState<DialogSize>(
    startSize === 'small' || startSize === 'large' ? startSize : 'medium',
  );
  const [services, setServices] = useState(servicesNow(project.optionalServices));
  const [preview, setPreview] = useState<Preview>({ kind: 'unchanged' });
  const [busy, setBusy] = useState(false);
  const [applyError, setApplyError] = useState<string | null>(null);
  const change = changeFrom(project, { size, services });
  const changeKey = JSON.stringify(change);

  useEffect(() => {
    const wanted = JSON.parse(changeKey) as ReturnType<typeof changeFrom>;
    if (isEmptyChange(wanted)) {
      setPreview({ kind: 'unchanged' });
      return;
    }
    let live = true;
    setPreview({ kind: 'checking' });
    // A short pause so a few quick clicks ask the agent once.
    const timer = setTimeout(() => {
      api.planReshapeProject(project.serverId, project.id, wanted).then(
        (r) => live && setPreview({ kind: 'plan', plan: r.plan }),
        (e: unknown) => {
          if (!live) return;
          const error = toApiError(e);
          const refusal = memoryRefusal(error);
          setPreview(
            refusal ? { kind: 'refused', refusal } : { kind: 'error', text: errorText(error) },
          );
        },
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, project.serverId, project.id, changeKey]);

  async function apply() {
    setBusy(true);
    setApplyError(null);
    try {
      upsertProject(await api.reshapeProject(project.serverId, project.id, change));
      onClose();
    } catch (e) {
      setApplyError(errorText(toApiError(e)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={t('capacity.resize.dialogTitle', { name: project.name })}
      onClose={onClose}
      dismissable={!busy}
      testId="resize-dialog"
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </Button>
          <Button
            variant="primary"
            busy={busy}
            disabled={preview.kind !== 'plan'}
            onClick={() => void apply()}
          >
            {t('capacity.resize.apply')}
          </Button>
        </>
      }
    >
      <ResizeForm
        size={size}
        services={services}
        onSize={setSize}
        onService={(s, on) => setServices((all) => ({ ...all, [s]: on }))}
        preview={preview}
        running={project.status === 'running'}
        applyError={applyError}
      />
    </Dialog>
  );
}

/** The form itself, from plain values: what the component tests render. */
export function ResizeForm({
  size,
  services,
  onSize,
  onService,
  preview,
  running,
  applyError,
}: {
  size: DialogSize;
  services: Record<OptionalService, boolean>;
  onSize: (size: DialogSize) => void;
  onService: (service: OptionalService, on: boolean) => void;
  preview: Preview;
  running: boolean;
  applyError: string | null;
}) {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col gap-4 text-[13px]">
      <fieldset className="flex flex-col gap-1.5">
        <legend className="mb-1 text-xs font-medium text-muted">{t('capacity.sizeLabel')}</legend>
        <div className="grid grid-cols-3 gap-2">
          {DIALOG_SIZES.map((s) => (
            <label
              key={s}
              className={`flex cursor-pointer items-center gap-2 rounded-md border px-3 py-2 ${s === size ? 'border-brand' : 'border-line'}`}
            >
              <input
                type="radio"
                name="project-size"
                value={s}
                checked={s === size}
                onChange={() => onSize(s)}
              />
              {t(`capacity.size.${s}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="flex flex-col gap-1.5">
        <legend className="mb-1 text-xs font-medium text-muted">
          {t('capacity.resize.services')}
        </legend>
        {(Object.keys(services) as OptionalService[]).map((s) => (
          <label key={s} className="flex items-center gap-2">
            <input
              type="checkbox"
              name={`service-${s}`}
              checked={services[s]}
              onChange={(e) => onService(s, e.target.checked)}
            />
            {t(`capacity.service.${s}`)}
          </label>
        ))}
      </fieldset>
      <PreviewNote preview={preview} running={running} />
      {applyError && (
        <p role="alert" className="text-xs text-danger">
          {applyError}
        </p>
      )}
    </div>
  );
}

function PreviewNote({ preview, running }: { preview: Preview; running: boolean }) {
  const { t } = useTranslation();
  const box = 'rounded-md border px-3 py-2 text-xs';
  switch (preview.kind) {
    case 'unchanged':
      return <p className={`${box} border-line text-muted`}>{t('capacity.resize.unchanged')}</p>;
    case 'checking':
      return <p className={`${box} border-line text-muted`}>{t('capacity.resize.checking')}</p>;
    case 'plan':
      return (
        <div className={`${box} border-line`} data-testid="resize-plan">
          <p>{t('capacity.resize.memoryOk')}</p>
          <p>
            {preview.plan.services.length === 0
              ? t('capacity.resize.nothingRecreated')
              : t(running ? 'capacity.resize.recreates' : 'capacity.resize.nextStart', {
                  services: preview.plan.services.join(', '),
                })}
          </p>
        </div>
      );
    case 'refused':
      return (
        <p
          role="alert"
          className={`${box} border-danger/40 text-danger`}
          data-testid="resize-refused"
        >
          {t('capacity.resize.refused', {
            requested: formatMb(preview.refusal.requestedMb),
            free: formatMb(preview.refusal.freeMb),
            allowed: formatMb(preview.refusal.allowedMb),
            total: formatMb(preview.refusal.totalMb),
            ratio: preview.refusal.overcommit,
          })}
        </p>
      );
    case 'error':
      return (
        <p role="alert" className={`${box} border-danger/40 text-danger`}>
          {preview.text}
        </p>
      );
  }
}
