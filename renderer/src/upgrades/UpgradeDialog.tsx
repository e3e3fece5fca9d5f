import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PostgresUpgradePlan, ProjectView, UpgradePlan } from '@contract/api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { Field } from '../ui/Field';
import { upgradeProgress, type UpgradeProgress } from './upgradeProgress';

/**
 * The upgrade's confirmation, and its progress once confirmed: the plan (notes, image changes,
 * what restarts, changed files) before anything happens; then a bar over the agent's steps
 * until the call ends. A Postgres major upgrade adds its warning and the typed project name.
 */
export function UpgradeDialog({
  project,
  plan,
  onClose,
  onConfirm,
}: {
  project: ProjectView;
  plan: UpgradePlan | PostgresUpgradePlan;
  onClose: () => void;
  /** Runs the upgrade; `confirm` is the typed name (Postgres major upgrades only). */
  onConfirm: (confirm: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const major = 'toMajor' in plan ? plan : undefined;
  const [typed, setTyped] = useState('');
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<UpgradeProgress>();

  // The agent keeps the upgrade's events; a look each second is plenty for steps of seconds.
  useEffect(() => {
    if (!running) return;
    let live = true;
    const look = () =>
      api.projectProgress(project.serverId, project.id).then(
        (r) => live && setProgress(upgradeProgress(r.events)),
        () => undefined,
      );
    const timer = setInterval(() => void look(), 1000);
    void look();
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, running, project.serverId, project.id]);

  const restarts = plan.images.map((c) => c.service);
  const ready = !major || typed === project.name;
  return (
    <Dialog
      title={
        major
          ? t('upgrades.postgresTitle', {
              name: project.name,
              from: major.fromMajor,
              to: major.toMajor,
            })
          : t('upgrades.dialogTitle', { name: project.name, release: plan.to })
      }
      onClose={onClose}
      dismissable={!running}
      testId="upgrade-dialog"
      footer={
        !running && (
          <>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button
              variant={major ? 'danger' : 'primary'}
              disabled={!ready}
              onClick={() => {
                setRunning(true);
                void onConfirm(typed).finally(onClose);
              }}
            >
              {major
                ? t('upgrades.postgresConfirm')
                : t('upgrades.upgradeTo', { release: plan.to })}
            </Button>
          </>
        )
      }
    >
      <div className="flex flex-col gap-3 text-xs">
        {major && (
          <p role="alert" className="text-warn">
            {t('upgrades.postgresWarning', { from: major.fromMajor, to: major.toMajor })}
          </p>
        )}
        <p>{t('upgrades.planLine', { from: plan.from, to: plan.to })}</p>
        {plan.notes.length > 0 && (
          <ul className="list-disc pl-5 text-muted">
            {plan.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        )}
        {plan.images.length > 0 && (
          <table className="w-full text-left">
            <thead className="text-muted">
              <tr>
                <th className="py-1 font-normal">{t('upgrades.service')}</th>
                <th className="py-1 font-normal">{t('upgrades.from')}</th>
                <th className="py-1 font-normal">{t('upgrades.to')}</th>
              </tr>
            </thead>
            <tbody className="font-mono text-[11px]">
              {plan.images.map((c) => (
                <tr key={c.service} className="border-t border-line">
                  <td className="py-1">{c.service}</td>
                  <td className="py-1">{c.from}</td>
                  <td className="py-1">{c.to}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p>
          {restarts.length > 0
            ? t('upgrades.restarts', { services: restarts.join(', ') })
            : t('upgrades.restartsNone')}
        </p>
        {plan.databaseChanges && <p className="text-warn">{t('upgrades.databaseChanges')}</p>}
        {plan.files.length > 0 && (
          <p className="text-muted">{t('upgrades.files', { files: plan.files.join(', ') })}</p>
        )}
        <p className="text-muted">{t('upgrades.rollbackNote')}</p>
        {major && !running && (
          <Field
            label={t('upgrades.typeToConfirm', { name: project.name })}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoFocus
            autoComplete="off"
          />
        )}
        {running && (
          <div className="flex flex-col gap-1" data-testid="upgrade-progress">
            <progress
              className="h-2 w-full"
              max={1}
              value={progress?.fraction ?? 0}
              aria-label={t('upgrades.progress')}
            />
            <p className={progress?.rollingBack ? 'text-warn' : 'text-muted'}>
              {progress?.step ? t(`upgrades.steps.${progress.step}`) : t('upgrades.steps.waiting')}
              {progress?.message ? ` — ${progress.message}` : ''}
            </p>
          </div>
        )}
      </div>
    </Dialog>
  );
}
