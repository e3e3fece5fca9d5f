import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DomainTarget, DomainView } from '@contract/api';
import { toApiError, type ApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { Button } from '../ui/Button';
import { CopyButton } from '../ui/CopyButton';
import { Field, inputClass } from '../ui/Field';
import { Panel } from '../ui/Panel';
import { DatabaseAccessSection } from './DatabaseAccessSection';

const TARGETS: DomainTarget[] = ['api', 'studio', 'both'];

/** `api.example.com. A 203.0.113.10`: how DNS providers and zone files write a record. */
export function recordLine(record: DomainView['records'][number]): string {
  return `${record.name}. ${record.type} ${record.value}`;
}

/** The records an error from the agent names (DOMAIN_DNS_MISMATCH carries them). */
function recordsOf(error: ApiError | null): DomainView['records'] {
  const records = (error?.data as { records?: unknown } | undefined)?.records;
  return Array.isArray(records) ? (records as DomainView['records']) : [];
}

/**
 * A project's custom domains: each with its certificate (state, expiry, last renewal, the last
 * issuance error) and the DNS record to copy; a form to add one (checked against DNS by the
 * agent before any certificate is asked for) and a remove button per name.
 */
export function DomainsPanel({ serverId, instanceId }: { serverId: string; instanceId: string }) {
  const { t, i18n } = useTranslation();
  const api = useApp((s) => s.api);
  const toast = useApp((s) => s.toast);
  const [domains, setDomains] = useState<DomainView[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [hostname, setHostname] = useState('');
  const [target, setTarget] = useState<DomainTarget>('api');
  const [hsts, setHsts] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState<{
    hostname: string;
    hsts: boolean;
    allow: string;
  } | null>(null);

  const load = useCallback(async () => {
    try {
      setDomains(await api.projectDomains(serverId, instanceId));
      setLoadError(null);
    } catch (raw) {
      setLoadError(toApiError(raw));
    }
  }, [api, serverId, instanceId]);
  useEffect(() => void load(), [load]);
  // A certificate is issued within a minute or so of adding the name: follow it until then.
  useEffect(() => {
    if (!domains?.some((d) => d.certificate.state === 'pending')) return;
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, [domains, load]);

  const date = (iso: string | undefined) =>
    iso ? new Date(iso).toLocaleDateString(i18n.language) : '—';

  async function add() {
    setBusy('add');
    setRefusal(null);
    try {
      await api.addProjectDomain(serverId, instanceId, hostname.trim(), {
        target,
        ...(hsts ? { hsts: true } : {}),
      });
      setHostname('');
      await load();
    } catch (raw) {
      setRefusal(toApiError(raw));
    } finally {
      setBusy(null);
    }
  }

  async function remove(name: string) {
    setBusy(name);
    try {
      await api.removeProjectDomain(serverId, instanceId, name);
      await load();
    } catch (raw) {
      toast({ kind: 'error', title: t('domains.removeFailed'), body: errorText(toApiError(raw)) });
    } finally {
      setBusy(null);
    }
  }

  /** HSTS and the Studio allow-list after adding (the proxy reloads; nothing restarts). */
  async function saveEdit() {
    if (!editing) return;
    setBusy(`edit:${editing.hostname}`);
    try {
      await api.updateProjectDomain(serverId, instanceId, editing.hostname, {
        hsts: editing.hsts,
        studioAllowIps: editing.allow
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      });
      setEditing(null);
      await load();
    } catch (raw) {
      toast({ kind: 'error', title: t('domains.updateFailed'), body: errorText(toApiError(raw)) });
    } finally {
      setBusy(null);
    }
  }

  const refusedRecords = recordsOf(refusal);
  return (
    <Panel title={t('domains.title')}>
      {loadError && (
        <p className="text-[13px] text-danger" role="alert">
          {errorText(loadError)}
        </p>
      )}
      {domains && domains.length === 0 && (
        <p className="text-[13px] text-muted">{t('domains.none')}</p>
      )}
      <ul className="flex flex-col gap-3" data-testid="domains-list">
        {domains?.map((d) => (
          <li key={d.hostname} className="rounded border border-border p-2 text-[13px]">
            <div className="flex items-center justify-between gap-2">
              <span className="font-medium">{d.hostname}</span>
              <span className="text-muted">{t(`domains.target.${d.target}`)}</span>
              <Button
                size="sm"
                variant="ghost"
                onClick={() =>
                  setEditing({
                    hostname: d.hostname,
                    hsts: d.hsts,
                    allow: d.studioAllowIps.join(', '),
                  })
                }
              >
                {t('domains.edit')}
              </Button>
              <Button
                size="sm"
                variant="danger-ghost"
                busy={busy === d.hostname}
                onClick={() => void remove(d.hostname)}
              >
                {t('domains.remove')}
              </Button>
            </div>
            <p
              className={`mt-1 text-xs ${d.certificate.state === 'active' ? 'text-muted' : 'text-warn'}`}
            >
              {t(`domains.state.${d.certificate.state}`)}
              {d.certificate.expiresAt &&
                ` · ${t('domains.expires', { date: date(d.certificate.expiresAt) })}`}
              {d.certificate.renewedAt &&
                ` · ${t('domains.renewed', { date: date(d.certificate.renewedAt) })}`}
            </p>
            {d.certificate.lastError && (
              <p className="mt-1 text-xs text-danger">{d.certificate.lastError.message}</p>
            )}
            {editing?.hostname === d.hostname && (
              <form
                className="mt-2 flex flex-wrap items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  void saveEdit();
                }}
              >
                <label className="flex items-center gap-1 text-xs">
                  <input
                    type="checkbox"
                    checked={editing.hsts}
                    onChange={(e) => setEditing({ ...editing, hsts: e.target.checked })}
                  />
                  {t('domains.hsts')}
                </label>
                {d.target !== 'api' && (
                  <div className="min-w-[240px] flex-1">
                    <Field
                      label={t('domains.allowIps')}
                      value={editing.allow}
                      onChange={(e) => setEditing({ ...editing, allow: e.target.value })}
                    />
                  </div>
                )}
                <Button
                  type="submit"
                  size="sm"
                  variant="primary"
                  busy={busy === `edit:${d.hostname}`}
                >
                  {t('domains.save')}
                </Button>
                <Button size="sm" onClick={() => setEditing(null)}>
                  {t('domains.cancelEdit')}
                </Button>
              </form>
            )}
            {d.records.map((r) => (
              <div key={recordLine(r)} className="mt-1 flex items-center gap-2 text-xs">
                <code className="font-mono">{recordLine(r)}</code>
                <CopyButton value={recordLine(r)} />
              </div>
            ))}
          </li>
        ))}
      </ul>
      <form
        className="mt-3 flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <div className="min-w-[220px] flex-1">
          <Field
            label={t('domains.hostname')}
            placeholder={t('domains.placeholder')}
            value={hostname}
            onChange={(e) => setHostname(e.target.value)}
            hint={t('domains.hint')}
          />
        </div>
        <label className="flex flex-col gap-1 text-xs font-medium text-muted">
          {t('domains.targetLabel')}
          <select
            className={`${inputClass} w-auto`}
            value={target}
            onChange={(e) => setTarget(e.target.value as DomainTarget)}
          >
            {TARGETS.map((x) => (
              <option key={x} value={x}>
                {t(`domains.target.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="mb-5 flex items-center gap-1 text-xs">
          <input type="checkbox" checked={hsts} onChange={(e) => setHsts(e.target.checked)} />
          {t('domains.hsts')}
        </label>
        <Button
          type="submit"
          variant="primary"
          className="mb-5"
          busy={busy === 'add'}
          disabled={hostname.trim() === ''}
        >
          {t('domains.add')}
        </Button>
      </form>
      {busy === 'add' && (
        <p className="text-xs text-muted" role="status">
          {t('domains.adding')}
        </p>
      )}
      {refusal && (
        <div className="text-[13px]" role="alert">
          <p className="text-danger">
            {refusal.code === 'DOMAIN_DNS_MISMATCH' ? t('domains.dnsMismatch') : errorText(refusal)}
          </p>
          {refusedRecords.map((r) => (
            <div key={recordLine(r)} className="mt-1 flex items-center gap-2 text-xs">
              <code className="font-mono">{recordLine(r)}</code>
              <CopyButton value={recordLine(r)} />
            </div>
          ))}
        </div>
      )}
      <DatabaseAccessSection
        serverId={serverId}
        instanceId={instanceId}
        hasDomain={(domains ?? []).some((d) =>
          ['active', 'expiring'].includes(d.certificate.state),
        )}
      />
    </Panel>
  );
}
