import { useTranslation } from 'react-i18next';
import type { CheckStatus } from '@protocol/types';
import { projectKey } from '../api';
import { useApp } from '../app/store';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { timeAgo } from '../i18n/format';
import { Panel } from '../ui/Panel';
import { checkFix, checkTitle } from './checkText';
import { groupChecks } from './groupChecks';

const TONE = { ok: 'green', warn: 'amber', fail: 'red' } as const satisfies Record<
  CheckStatus,
  string
>;

/** Evidence that is a JSON object with a message (an HTTP error body) reads as the message. */
function readableEvidence(evidence: string): string {
  if (!evidence.startsWith('{')) return evidence;
  try {
    const parsed = JSON.parse(evidence) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : evidence;
  } catch {
    return evidence;
  }
}

/** The HealthChecker's report, and repair shown as a dry run first, then confirmed. */
export function DiagnosticsPanel({
  serverId,
  instanceId,
}: {
  serverId: string;
  instanceId: string;
}) {
  const { t } = useTranslation();
  const key = projectKey(serverId, instanceId);
  const report = useApp((s) => s.reports[key]);
  const plan = useApp((s) => s.repairPlans[key]);
  const last = useApp((s) => s.lastRepairs[key]);
  const diagnosing = useApp((s) => s.diagnosing[key] ?? false);
  const repairing = useApp((s) => s.repairing[key] ?? false);
  const diagnose = useApp((s) => s.diagnose);
  const planRepair = useApp((s) => s.planRepair);
  const repair = useApp((s) => s.repair);
  const cancel = useApp((s) => s.cancelRepairPlan);
  const rows = report ? groupChecks(report.checks) : [];

  return (
    <>
      <Panel
        title={
          <span className="flex items-center gap-2">
            {t('diagnostics.title')}
            {report && (
              <span data-testid="diagnostics-status" data-status={report.status}>
                <Badge tone={TONE[report.status]} label={t(`check.${report.status}`)} />
              </span>
            )}
          </span>
        }
        actions={
          <>
            {report && (
              <span className="text-xs text-muted">
                {t('diagnostics.ranAt', { ago: timeAgo(report.at), ms: report.durationMs })}
              </span>
            )}
            <Button size="sm" busy={diagnosing} onClick={() => void diagnose(serverId, instanceId)}>
              {t('diagnostics.run')}
            </Button>
            <Button
              size="sm"
              variant="primary"
              busy={repairing && !plan}
              disabled={plan !== undefined}
              title={plan ? t('diagnostics.planPending') : undefined}
              onClick={() => void planRepair(serverId, instanceId)}
            >
              {t('diagnostics.repair')}
            </Button>
          </>
        }
      >
        {!report ? (
          <p className="text-xs text-muted">{t('diagnostics.intro')}</p>
        ) : (
          <ul className="flex flex-col divide-y divide-line" data-testid="checks">
            {rows.map(({ check: c, causedBy }) => (
              <li
                key={c.id}
                className={`grid grid-cols-[64px_1fr] items-start gap-3 py-2 ${causedBy ? 'pl-6' : ''}`}
                data-check={c.id}
                data-status={c.status}
              >
                <Badge tone={TONE[c.status]} label={t(`check.${c.status}`)} />
                <div className="min-w-0">
                  <p className="font-medium">
                    {checkTitle(c)}
                    {c.service && (
                      <span className="ml-2 text-xs font-normal text-muted">{c.service}</span>
                    )}
                  </p>
                  {causedBy && (
                    <p className="text-xs text-muted">
                      {t('diagnostics.causedBy', { check: checkTitle(causedBy) })}
                    </p>
                  )}
                  <p className="truncate font-mono text-[11px] text-muted" title={c.evidence}>
                    {readableEvidence(c.evidence)}
                  </p>
                  {c.fix && c.status !== 'ok' && !causedBy && (
                    <p className={`text-xs ${c.status === 'fail' ? 'text-danger' : 'text-warn'}`}>
                      {t('diagnostics.fix', { fix: checkFix(c.fix) })}
                    </p>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Panel>
      {plan && (
        <Panel title={t('diagnostics.plan')} className="border-brand/60">
          <div data-testid="repair-plan">
            {plan.actions.length === 0 ? (
              <p className="text-xs text-muted">{t('diagnostics.nothingToRepair')}</p>
            ) : (
              <ul className="flex flex-col gap-1 text-xs">
                {plan.actions.map((a, i) => (
                  <li key={i} className="flex gap-2">
                    <code className="font-mono text-brand">{a.kind}</code>
                    <span className="font-medium">{a.target}</span>
                    <span className="text-muted">— {a.reason}</span>
                  </li>
                ))}
              </ul>
            )}
            <p className="mt-3 text-[11px] text-muted">{t('diagnostics.neverDeletes')}</p>
            <div className="mt-3 flex gap-2">
              <Button
                variant="primary"
                size="sm"
                busy={repairing}
                disabled={plan.actions.length === 0}
                onClick={() => void repair(serverId, instanceId)}
              >
                {t('diagnostics.apply', { count: plan.actions.length })}
              </Button>
              <Button size="sm" onClick={() => cancel(serverId, instanceId)}>
                {t('common.cancel')}
              </Button>
            </div>
          </div>
        </Panel>
      )}
      {last && (
        <Panel title={t('diagnostics.lastRepair')}>
          <ul className="flex flex-col gap-1 text-xs" data-testid="repair-result">
            {last.actions.length === 0 && (
              <li className="text-muted">{t('diagnostics.noActionNeeded')}</li>
            )}
            {last.actions.map((a, i) => (
              <li key={i} className="flex gap-2">
                <span className={a.error ? 'text-danger' : 'text-brand'}>
                  {a.error ? '✕' : '✓'}
                </span>
                <code className="font-mono">{a.kind}</code>
                <span className="font-medium">{a.target}</span>
                <span className="text-muted">{a.error ?? a.reason}</span>
              </li>
            ))}
          </ul>
        </Panel>
      )}
    </>
  );
}
