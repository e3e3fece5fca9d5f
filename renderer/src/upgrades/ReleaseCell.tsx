import { useTranslation } from 'react-i18next';
import type { ProjectView } from '@contract/api';
import { Badge } from '../ui/Badge';
import type { ServerReleases } from './releaseStatus';
import { releaseStatus } from './releaseStatus';

/** The release a project runs, with "update" and "security" marks (fleet table, cards). */
export function ReleaseCell({ project, info }: { project: ProjectView; info?: ServerReleases }) {
  const { t } = useTranslation();
  const s = releaseStatus(project, info);
  return (
    <span className="inline-flex min-w-0 items-center gap-1.5" data-testid="release-cell">
      <span className="truncate font-mono text-[11px]">{s.current || t('common.none')}</span>
      {s.advisories.length > 0 ? (
        <Badge tone="red" label={t('upgrades.securityBadge')} />
      ) : (
        s.update && <Badge tone="blue" label={t('upgrades.updateBadge')} />
      )}
    </span>
  );
}
