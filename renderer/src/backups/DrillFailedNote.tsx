import { useTranslation } from 'react-i18next';
import type { ProjectView } from '@contract/api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { formatDateTime } from '../i18n/format';
import { drillFailed } from './attention';

/**
 * A failed restore drill, on a project card (`compact`) or the project page: what failed and a
 * way to the Backups tab, where a passing drill (Verify) clears it.
 */
export function DrillFailedNote(props: { project: ProjectView; compact?: boolean }) {
  const { project: p, compact } = props;
  const { t } = useTranslation();
  const navigate = useApp((s) => s.navigate);
  const drill = p.backupStatus?.lastDrill;
  if (!drill || !drillFailed(p)) return null;
  const open = (
    <button
      type="button"
      className="ml-1 text-brand hover:underline"
      onClick={() =>
        navigate({ kind: 'project', serverId: p.serverId, instanceId: p.id, tab: 'backups' })
      }
    >
      {t('backups.drillFailed.open')}
    </button>
  );
  if (compact) {
    return (
      <p
        className="mx-4 mt-2 rounded bg-amber-500/10 px-2 py-1 text-[11px] text-warn"
        data-testid="drill-failed"
      >
        {t('backups.drillFailed.card')}
        {open}
      </p>
    );
  }
  return (
    <p
      role="alert"
      data-testid="drill-failed"
      className="rounded-md border border-amber-500/40 bg-amber-500/10 px-3 py-2 text-warn"
    >
      {t('backups.drillFailed.page', {
        when: formatDateTime(drill.at),
        message: errorText({ code: drill.code ?? 'INTERNAL', message: drill.message ?? '' }),
      })}
      {open}
    </p>
  );
}
