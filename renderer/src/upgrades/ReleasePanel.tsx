import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  DiagnosticReport,
  PostgresUpgradePlan,
  ProjectView,
  UpgradePlan,
} from '@contract/api';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { Panel } from '../ui/Panel';
import { releaseStatus } from './releaseStatus';
import { UpgradeDialog } from './UpgradeDialog';
import { useReleases } from './useReleases';

/**
 * The project's stack release on its page: the release it runs, "update available" with the
 * release notes, the image changes and the advisories it fixes, and the Upgrade button (the
 * agent backs up, pulls, restarts and rolls back by itself when the new release is unhealthy).
 */
export function ReleasePanel({ project }: { project: ProjectView }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const toast = useApp((s) => s.toast);
  const info = useReleases([project.serverId])[project.serverId];
  const status = releaseStatus(project, info);
  const [plan, setPlan] = useState<UpgradePlan | undefined>();
  const [pgPlan, setPgPlan] = useState<PostgresUpgradePlan | undefined>();
  const [open, setOpen] = useState<'release' | 'postgres' | undefined>();
  const target = status.update?.id;

  useEffect(() => {
    setPlan(undefined);
    if (!target) return;
    let live = true;
    api.upgradePlan(project.serverId, project.id, { release: target }).then(
      (p) => live && setPlan(p),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, project.serverId, project.id, target, project.release]);

  // A newer Postgres major, when this server has a release with one (RELEASE_NOT_FOUND: none).
  useEffect(() => {
    setPgPlan(undefined);
    let live = true;
    api.upgradePostgresPlan(project.serverId, project.id).then(
      (p) => live && setPgPlan(p),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, project.serverId, project.id, project.release]);

  async function upgrade() {
    if (!target) return;
    try {
      const r = await api.upgradeProject(project.serverId, project.id, { release: target });
      const attention = failingChecks(r.diagnosis);
      toast({
        kind: attention ? 'info' : 'success',
        title: t('upgrades.done', { name: project.name, release: target }),
        ...(attention ? { body: t('upgrades.diagnosisBad', { checks: attention }) } : {}),
      });
    } catch (raw) {
      toast({ kind: 'error', title: t('upgrades.failed'), body: errorText(toApiError(raw)) });
    }
  }

  async function upgradePostgres(confirm: string) {
    if (!pgPlan) return;
    try {
      const r = await api.upgradePostgres(project.serverId, project.id, {
        release: pgPlan.to,
        confirm,
      });
      const attention = failingChecks(r.diagnosis);
      toast({
        kind: attention ? 'info' : 'success',
        title: t('upgrades.postgresDone', { name: project.name, major: r.plan.toMajor }),
        ...(attention ? { body: t('upgrades.diagnosisBad', { checks: attention }) } : {}),
      });
    } catch (raw) {
      toast({ kind: 'error', title: t('upgrades.failed'), body: errorText(toApiError(raw)) });
    }
  }

  return (
    <Panel
      title={t('upgrades.title')}
      actions={
        target && (
          <Button
            variant="primary"
            size="sm"
            disabled={!plan}
            busy={open === 'release'}
            onClick={() => setOpen('release')}
          >
            {t('upgrades.upgradeTo', { release: target })}
          </Button>
        )
      }
    >
      <div className="flex flex-col gap-3 text-xs" data-testid="release-panel">
        <p>
          {t('upgrades.runs')}{' '}
          <span className="font-mono">{status.current || t('common.none')}</span>
          {!target && info && <span className="ml-2 text-muted">{t('upgrades.upToDate')}</span>}
        </p>
        {status.advisories.map((a) => (
          <p key={a.id} role="alert" className="flex items-start gap-2 text-danger">
            <Badge tone="red" label={t('upgrades.securityBadge')} />
            <span>
              {a.summary} {t('upgrades.fixedIn', { release: a.fixedIn })}
            </span>
          </p>
        ))}
        {status.update && (
          <div className="flex flex-col gap-2">
            <p className="font-medium">
              {t('upgrades.available', { release: status.update.id, date: status.update.date })}
            </p>
            <ul className="list-disc pl-5 text-muted">
              {status.update.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
            {plan && plan.images.length > 0 && (
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
            {plan?.databaseChanges && <p className="text-warn">{t('upgrades.databaseChanges')}</p>}
            <p className="text-muted">{t('upgrades.rollbackNote')}</p>
          </div>
        )}
        {pgPlan && (
          <div className="flex flex-col items-start gap-2 border-t border-line pt-3">
            <p className="font-medium">
              {t('upgrades.postgresAvailable', { to: pgPlan.toMajor, release: pgPlan.to })}
            </p>
            <p className="text-muted">{t('upgrades.postgresIntro')}</p>
            <Button
              variant="danger"
              size="sm"
              busy={open === 'postgres'}
              onClick={() => setOpen('postgres')}
            >
              {t('upgrades.postgresButton')}
            </Button>
          </div>
        )}
      </div>
      {open === 'release' && plan && (
        <UpgradeDialog
          project={project}
          plan={plan}
          onClose={() => setOpen(undefined)}
          onConfirm={() => upgrade()}
        />
      )}
      {open === 'postgres' && pgPlan && (
        <UpgradeDialog
          project={project}
          plan={pgPlan}
          onClose={() => setOpen(undefined)}
          onConfirm={(confirm) => upgradePostgres(confirm)}
        />
      )}
    </Panel>
  );
}

/** The diagnosis' checks that need attention after an upgrade, as one line (none: undefined). */
function failingChecks(report: DiagnosticReport | undefined): string | undefined {
  const bad = report?.checks.filter((c) => c.status !== 'ok') ?? [];
  return bad.length ? bad.map((c) => `${c.title}: ${c.evidence}`).join('; ') : undefined;
}
