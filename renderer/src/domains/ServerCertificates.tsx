import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServerDomainView } from '@contract/api';
import { toApiError, type ApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { Panel } from '../ui/Panel';

/**
 * Every custom domain of the server's projects with its certificate: state, expiry, last
 * renewal and the last issuance error, so an expiring or failing certificate is seen from the
 * server, not only by opening each project. Nothing is shown for a server without domains.
 */
export function ServerCertificates({ serverId }: { serverId: string }) {
  const { t, i18n } = useTranslation();
  const api = useApp((s) => s.api);
  const [domains, setDomains] = useState<ServerDomainView[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let live = true;
    api.serverDomains(serverId).then(
      (list) => live && setDomains(list),
      (raw: unknown) => live && setError(toApiError(raw)),
    );
    return () => {
      live = false;
    };
  }, [api, serverId]);

  const date = (iso: string | undefined) =>
    iso ? new Date(iso).toLocaleDateString(i18n.language) : '—';
  if (!error && (!domains || domains.length === 0)) return null;
  return (
    <Panel title={t('domains.certificates.title')} className="xl:col-span-3">
      {error && (
        <p className="text-[13px] text-danger" role="alert">
          {errorText(error)}
        </p>
      )}
      <table className="w-full text-left text-[13px]" data-testid="server-certificates">
        <thead className="text-xs text-muted">
          <tr>
            <th className="py-1 font-medium">{t('domains.certificates.project')}</th>
            <th className="py-1 font-medium">{t('domains.hostname')}</th>
            <th className="py-1 font-medium">{t('domains.certificates.state')}</th>
            <th className="py-1 font-medium">{t('domains.certificates.expires')}</th>
            <th className="py-1 font-medium">{t('domains.certificates.renewed')}</th>
          </tr>
        </thead>
        <tbody>
          {domains?.map(({ instanceId, instanceName, domain }) => (
            <tr key={`${instanceId}/${domain.hostname}`} className="border-t border-border">
              <td className="py-1">{instanceName}</td>
              <td className="py-1 font-mono text-xs">{domain.hostname}</td>
              <td
                className={`py-1 ${domain.certificate.state === 'active' ? '' : 'text-warn'}`}
                title={domain.certificate.lastError?.message}
              >
                {t(`domains.state.${domain.certificate.state}`)}
                {domain.certificate.lastError && (
                  <span className="block text-xs text-danger">
                    {domain.certificate.lastError.message}
                  </span>
                )}
              </td>
              <td className="py-1">{date(domain.certificate.expiresAt)}</td>
              <td className="py-1">{date(domain.certificate.renewedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
