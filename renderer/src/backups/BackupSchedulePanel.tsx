import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupScheduleInput } from '@protocol/backups';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { formatDateTime } from '../i18n/format';
import { Button } from '../ui/Button';
import { Panel } from '../ui/Panel';

const FREQUENCIES = ['hourly', 'daily', 'weekly'] as const;
const KEEPS = ['last', 'daily', 'weekly', 'monthly'] as const;
/** What a new schedule keeps unless the person changes it (the CLI's defaults too). */
const DEFAULT_SCHEDULE: BackupScheduleInput = {
  frequency: 'daily',
  retention: { last: 3, daily: 7, weekly: 4, monthly: 6 },
  drill: 'weekly',
};

/** A project's backup schedule and retention: read, change, or turn off. */
export function BackupSchedulePanel(props: {
  serverId: string;
  instanceId: string;
  /** The schedule to show before the first load (a server-rendered start). */
  initial?: (BackupScheduleInput & { since: string }) | null;
}) {
  const { serverId, instanceId, initial } = props;
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [saved, setSaved] = useState<(BackupScheduleInput & { since: string }) | null>(
    initial ?? null,
  );
  const [draft, setDraft] = useState<BackupScheduleInput>(
    initial
      ? { frequency: initial.frequency, retention: initial.retention, drill: initial.drill }
      : DEFAULT_SCHEDULE,
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void api.backupSchedule(serverId, instanceId).then(
      (s) => {
        setSaved(s);
        if (s) setDraft({ frequency: s.frequency, retention: s.retention, drill: s.drill });
      },
      (e: unknown) => setError(errorText(toApiError(e))),
    );
  }, [api, serverId, instanceId]);

  const save = (schedule: BackupScheduleInput | null) => {
    setBusy(true);
    void api
      .backupSchedule(serverId, instanceId, schedule)
      .then(
        (s) => (setSaved(s), setError(null)),
        (e: unknown) => setError(errorText(toApiError(e))),
      )
      .finally(() => setBusy(false));
  };

  const keep = (key: (typeof KEEPS)[number], value: string) => {
    const n = value === '' ? undefined : Math.max(0, Math.min(1000, Math.floor(Number(value))));
    setDraft((d) => ({ ...d, retention: { ...d.retention, [key]: n } }));
  };

  return (
    <Panel title={t('backups.schedule.title')} className="mt-3">
      <p className="mb-2 text-xs text-muted" data-testid="backup-schedule-state">
        {saved
          ? t('backups.schedule.on', {
              every: t(`backups.schedule.every.${saved.frequency}`),
              since: formatDateTime(saved.since),
            })
          : t('backups.schedule.off')}
      </p>
      <div className="flex flex-wrap items-end gap-3 text-xs">
        <label className="flex flex-col gap-1">
          {t('backups.schedule.frequency')}
          <select
            className="rounded border border-line bg-transparent px-2 py-1"
            value={draft.frequency}
            onChange={(e) =>
              setDraft((d) => ({
                ...d,
                frequency: e.target.value as BackupScheduleInput['frequency'],
              }))
            }
          >
            {FREQUENCIES.map((f) => (
              <option key={f} value={f}>
                {t(`backups.schedule.every.${f}`)}
              </option>
            ))}
          </select>
        </label>
        {KEEPS.map((k) => (
          <label key={k} className="flex flex-col gap-1">
            {t(`backups.schedule.keep.${k}`)}
            <input
              type="number"
              min={0}
              max={1000}
              className="w-20 rounded border border-line bg-transparent px-2 py-1"
              value={draft.retention[k] ?? ''}
              onChange={(e) => keep(k, e.target.value)}
            />
          </label>
        ))}
        <label className="flex items-center gap-1">
          <input
            type="checkbox"
            checked={draft.drill === 'weekly'}
            onChange={(e) =>
              setDraft((d) => ({ ...d, drill: e.target.checked ? 'weekly' : 'off' }))
            }
          />
          {t('backups.schedule.drills')}
        </label>
      </div>
      {error && <p className="mt-2 text-xs text-danger">{error}</p>}
      <div className="mt-3 flex gap-2">
        <Button variant="primary" busy={busy} disabled={busy} onClick={() => save(draft)}>
          {t('backups.schedule.save')}
        </Button>
        {saved && (
          <Button disabled={busy} onClick={() => save(null)}>
            {t('backups.schedule.turnOff')}
          </Button>
        )}
      </div>
    </Panel>
  );
}
