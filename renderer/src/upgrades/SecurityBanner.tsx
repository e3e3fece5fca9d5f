import { useTranslation } from 'react-i18next';
import type { ProjectView } from '@contract/api';
import { needingSecurityUpdate } from './releaseStatus';
import { useReleases } from './useReleases';

/** "n projects need the security update", over every server in the list. */
export function SecurityBanner({ projects }: { projects: ProjectView[] }) {
  const { t } = useTranslation();
  const byServer = useReleases(projects.map((p) => p.serverId));
  const affected = needingSecurityUpdate(projects, byServer);
  if (affected.length === 0) return null;
  return (
    <p
      role="status"
      data-testid="security-banner"
      className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-xs text-danger"
    >
      {t('upgrades.securityCount', { count: affected.length })}
    </p>
  );
}
