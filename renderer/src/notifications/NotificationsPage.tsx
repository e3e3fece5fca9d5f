import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ALERT_KINDS,
  type AlertKind,
  type AlertRule,
  type AlertsOverview,
  type ChannelConfigInput,
  type ChannelPublic,
  type ChannelType,
  type DeliveryLogEntry,
  type PendingDelivery,
} from '@protocol/alerts';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { PageHeader, Panel } from '../ui/Panel';

type ApiFailure = { code?: string; message?: string };
const failureText = (err: unknown) => {
  const e = err as ApiFailure;
  return errorText({ code: e.code ?? 'INTERNAL', message: e.message ?? '' });
};

const TYPES: readonly ChannelType[] = ['email', 'webhook', 'slack', 'discord', 'telegram'];

/** What a channel sends to, for the list: never a secret (the agent does not return them). */
function target(c: ChannelPublic): string {
  const s = c.settings;
  if (Array.isArray(s.to)) return s.to.join(', ');
  return String(s.url ?? s.chatId ?? s.host ?? '');
}

function ChannelForm({ serverId, onSaved }: { serverId: string; onSaved(): void }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [type, setType] = useState<ChannelType>('email');
  const [name, setName] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('587');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [username, setUsername] = useState('');
  const [url, setUrl] = useState('');
  const [chatId, setChatId] = useState('');
  const [secret, setSecret] = useState('');
  const [quietFrom, setQuietFrom] = useState('');
  const [quietTo, setQuietTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function config(): ChannelConfigInput {
    switch (type) {
      case 'email':
        return {
          type,
          host,
          port: Number(port),
          from,
          to: to
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          ...(username ? { username, password: secret } : {}),
        };
      case 'webhook':
        return { type, url, secret };
      case 'slack':
      case 'discord':
        return { type, url: secret };
      case 'telegram':
        return { type, chatId, botToken: secret };
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.setAlertChannel(serverId, {
        name,
        enabled: true,
        ...(quietFrom && quietTo ? { quietHours: { from: quietFrom, to: quietTo } } : {}),
        config: config(),
      });
      setName('');
      setSecret('');
      onSaved();
    } catch (err) {
      setError(failureText(err));
    } finally {
      setBusy(false);
    }
  }

  const secretLabel =
    type === 'email'
      ? t('notifications.smtpPassword')
      : type === 'webhook'
        ? t('notifications.signingSecret')
        : type === 'telegram'
          ? t('notifications.botToken')
          : t('notifications.hookUrl');
  const needsSecret = type !== 'email' || username !== '';

  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="flex flex-col gap-3"
      aria-label={t('notifications.addChannel')}
    >
      <div className="grid grid-cols-[160px_1fr] items-start gap-3">
        <div className="flex flex-col gap-1">
          <label className="text-xs font-medium text-muted" htmlFor="new-channel-type">
            {t('notifications.type')}
          </label>
          <select
            id="new-channel-type"
            value={type}
            onChange={(e) => setType(e.target.value as ChannelType)}
            className={inputClass}
          >
            {TYPES.map((k) => (
              <option key={k} value={k}>
                {t(`notifications.types.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={t('notifications.name')}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      {type === 'email' && (
        <div className="grid grid-cols-2 gap-3">
          <Field
            label={t('notifications.smtpHost')}
            value={host}
            onChange={(e) => setHost(e.target.value)}
          />
          <Field
            label={t('notifications.smtpPort')}
            value={port}
            inputMode="numeric"
            onChange={(e) => setPort(e.target.value)}
          />
          <Field
            label={t('notifications.from')}
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
          <Field
            label={t('notifications.to')}
            hint={t('notifications.toHint')}
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
          <Field
            label={t('notifications.smtpUser')}
            value={username}
            autoComplete="off"
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
      )}
      {type === 'webhook' && (
        <Field
          label={t('notifications.webhookUrl')}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      )}
      {type === 'telegram' && (
        <Field
          label={t('notifications.chatId')}
          value={chatId}
          onChange={(e) => setChatId(e.target.value)}
        />
      )}
      {needsSecret && (
        <Field
          label={secretLabel}
          hint={t('notifications.secretHint')}
          type="password"
          autoComplete="new-password"
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
        />
      )}
      <div className="grid grid-cols-2 gap-3">
        <Field
          label={t('notifications.quietFrom')}
          hint={t('notifications.quietHint')}
          type="time"
          value={quietFrom}
          onChange={(e) => setQuietFrom(e.target.value)}
        />
        <Field
          label={t('notifications.quietTo')}
          type="time"
          value={quietTo}
          onChange={(e) => setQuietTo(e.target.value)}
        />
      </div>
      {error && (
        <p role="alert" className="text-xs text-danger">
          {error}
        </p>
      )}
      <div>
        <Button
          variant="primary"
          type="submit"
          busy={busy}
          disabled={!name || (needsSecret && !secret) || !quietFrom !== !quietTo}
        >
          {t('notifications.addChannel')}
        </Button>
      </div>
    </form>
  );
}

function ChannelRow({
  serverId,
  channel,
  onChanged,
}: {
  serverId: string;
  channel: ChannelPublic;
  onChanged(): void;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [busy, setBusy] = useState<'test' | 'remove' | null>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  async function test() {
    setBusy('test');
    setNote(null);
    try {
      const r = await api.testAlertChannel(serverId, channel.id);
      setNote({ ok: true, text: t('notifications.testSent', { ms: r.ms }) });
    } catch (err) {
      setNote({ ok: false, text: failureText(err) });
    } finally {
      setBusy(null);
      onChanged();
    }
  }

  async function remove() {
    setBusy('remove');
    try {
      await api.deleteAlertChannel(serverId, channel.id);
      onChanged();
    } catch (err) {
      setNote({ ok: false, text: failureText(err) });
      setBusy(null);
    }
  }

  return (
    <li className="flex flex-col gap-1 py-2" data-testid="channel-row" data-channel={channel.id}>
      <div className="flex items-center gap-3">
        <span className="w-48 truncate font-medium">{channel.name}</span>
        <Badge tone="grey" label={t(`notifications.types.${channel.type}`)} />
        <span className="truncate text-xs text-muted">{target(channel)}</span>
        {!channel.enabled && <Badge tone="amber" label={t('notifications.off')} />}
        {channel.quietHours && (
          <span className="text-xs text-muted">
            {t('notifications.quietHours', {
              from: channel.quietHours.from,
              to: channel.quietHours.to,
            })}
          </span>
        )}
        <span className="flex-1" />
        <Button size="sm" busy={busy === 'test'} onClick={() => void test()}>
          {t('notifications.sendTest')}
        </Button>
        <Button
          size="sm"
          variant="danger-ghost"
          busy={busy === 'remove'}
          onClick={() => void remove()}
        >
          {t('common.remove')}
        </Button>
      </div>
      {note && (
        <p
          role={note.ok ? 'status' : 'alert'}
          className={`text-xs ${note.ok ? 'text-muted' : 'text-danger'}`}
        >
          {note.text}
        </p>
      )}
    </li>
  );
}

/** Whether the server-wide rules send this kind of event to this channel. */
export function routes(rules: readonly AlertRule[], kind: AlertKind, channelId: string): boolean {
  return rules.some(
    (r) =>
      !r.projects &&
      !r.tags &&
      r.events.includes(kind) &&
      (r.channels.includes('*') || r.channels.includes(channelId)),
  );
}

/**
 * The rules after ticking or unticking one cell of the grid: the server-wide routing becomes one
 * rule per channel; rules narrowed to projects or tags stay as they are.
 */
export function toggleRoute(
  rules: readonly AlertRule[],
  channels: readonly ChannelPublic[],
  kind: AlertKind,
  channelId: string,
): AlertRule[] {
  const narrowed = rules.filter((r) => r.projects || r.tags);
  const grid = new Map<string, Set<AlertKind>>();
  for (const c of channels) {
    grid.set(c.id, new Set(ALERT_KINDS.filter((k) => routes(rules, k, c.id))));
  }
  const set = grid.get(channelId);
  if (set?.has(kind)) set.delete(kind);
  else set?.add(kind);
  return [
    ...[...grid]
      .filter(([, kinds]) => kinds.size > 0)
      .map(([id, kinds]) => ({ id: `to-${id}`, events: [...kinds], channels: [id] })),
    ...narrowed,
  ];
}

/** Rules as a grid: one row per event kind, one column per channel (the first rule's routing). */
function RulesGrid({
  serverId,
  overview,
  onSaved,
}: {
  serverId: string;
  overview: AlertsOverview;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [error, setError] = useState<string | null>(null);
  const channels = overview.channels;

  async function toggle(kind: AlertKind, channelId: string) {
    try {
      await api.setAlertRules(serverId, toggleRoute(overview.rules, channels, kind, channelId));
      setError(null);
      onSaved();
    } catch (err) {
      setError(failureText(err));
    }
  }

  if (channels.length === 0)
    return <p className="text-xs text-muted">{t('notifications.noChannelsForRules')}</p>;
  return (
    <>
      <table className="w-full text-xs" aria-label={t('notifications.rules')}>
        <thead>
          <tr className="text-left text-muted">
            <th className="py-1 pr-3 font-medium">{t('notifications.event')}</th>
            {channels.map((c) => (
              <th key={c.id} className="px-2 py-1 font-medium">
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ALERT_KINDS.map((kind) => (
            <tr key={kind} className="border-t border-line">
              <td className="py-1.5 pr-3">{t(`notifications.kinds.${kind}`)}</td>
              {channels.map((c) => (
                <td key={c.id} className="px-2 py-1.5">
                  <input
                    type="checkbox"
                    checked={routes(overview.rules, kind, c.id)}
                    aria-label={t('notifications.routeLabel', {
                      event: t(`notifications.kinds.${kind}`),
                      channel: c.name,
                    })}
                    onChange={() => void toggle(kind, c.id)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {overview.rules.some((r) => r.projects || r.tags) && (
        <p className="mt-2 text-xs text-muted">{t('notifications.narrowedRules')}</p>
      )}
      {error && (
        <p role="alert" className="mt-2 text-xs text-danger">
          {error}
        </p>
      )}
    </>
  );
}

function SettingsForm({
  serverId,
  overview,
  onSaved,
}: {
  serverId: string;
  overview: AlertsOverview;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const [language, setLanguage] = useState(overview.settings.language);
  const [serverName, setServerName] = useState(overview.settings.serverName);
  const [minutes, setMinutes] = useState(
    String(Math.round(overview.settings.downAfterSeconds / 60)),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      await api.updateAlertSettings(serverId, {
        language,
        serverName,
        downAfterSeconds: Math.max(0, Math.round(Number(minutes) * 60)),
      });
      setError(null);
      onSaved();
    } catch (err) {
      setError(failureText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="grid grid-cols-[160px_1fr_160px_auto] items-start gap-3"
      aria-label={t('notifications.settings')}
    >
      <div className="flex flex-col gap-1">
        <label className="text-xs font-medium text-muted" htmlFor="alerts-language">
          {t('notifications.language')}
        </label>
        <select
          id="alerts-language"
          value={language}
          onChange={(e) => setLanguage(e.target.value as 'en' | 'pt-BR')}
          className={inputClass}
        >
          <option value="pt-BR">{t('notifications.languages.ptBR')}</option>
          <option value="en">{t('notifications.languages.en')}</option>
        </select>
      </div>
      <Field
        label={t('notifications.serverName')}
        value={serverName}
        onChange={(e) => setServerName(e.target.value)}
      />
      <Field
        label={t('notifications.downAfter')}
        inputMode="numeric"
        value={minutes}
        onChange={(e) => setMinutes(e.target.value)}
      />
      <div className="pt-5">
        <Button type="submit" busy={busy} disabled={!serverName || !/^\d+(\.\d+)?$/.test(minutes)}>
          {t('common.save')}
        </Button>
      </div>
      {error && (
        <p role="alert" className="col-span-4 text-xs text-danger">
          {error}
        </p>
      )}
    </form>
  );
}

function DeliveryLog({
  entries,
  pending,
}: {
  entries: DeliveryLogEntry[];
  pending: PendingDelivery[];
}) {
  const { t } = useTranslation();
  if (entries.length === 0 && pending.length === 0) {
    return <p className="text-xs text-muted">{t('notifications.logEmpty')}</p>;
  }
  return (
    <>
      {pending.length > 0 && (
        <p className="mb-2 text-xs" role="status">
          {t('notifications.pending', { count: pending.length })}
        </p>
      )}
      <ul className="divide-y divide-line text-xs">
        {entries.map((e, i) => (
          <li
            key={`${e.deliveryId}-${i}`}
            className="flex items-center gap-3 py-1.5"
            data-testid="delivery-row"
          >
            <span className="w-36 shrink-0 font-mono text-muted">
              {e.at.slice(0, 16).replace('T', ' ')}
            </span>
            <Badge
              tone={e.result === 'sent' ? 'green' : e.result === 'failed' ? 'amber' : 'red'}
              label={t(`notifications.results.${e.result}`)}
            />
            <span className="w-40 shrink-0 truncate">{e.channelName}</span>
            <span className="truncate">{e.test ? t('notifications.testMessage') : e.title}</span>
            {e.error && <span className="truncate text-danger">{e.error}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

export interface NotificationsData {
  overview: AlertsOverview | null;
  log: { entries: DeliveryLogEntry[]; pending: PendingDelivery[] };
  error: string | null;
}

/** The page's content for given data (tests render it without a DOM). */
export function NotificationsView({
  serverId,
  data,
  reload,
}: {
  serverId: string;
  data: NotificationsData;
  reload(): void;
}) {
  const { t } = useTranslation();
  const server = useApp((s) => s.servers.find((x) => x.id === serverId));
  const { overview, log, error } = data;
  return (
    <>
      <PageHeader title={t('notifications.title')} subtitle={server?.name} />
      <div className="flex flex-col gap-4 p-6">
        <p className="text-xs text-muted">{t('notifications.intro')}</p>
        {error && (
          <p role="alert" className="text-xs text-danger">
            {error}
          </p>
        )}
        {overview && (
          <>
            <Panel title={t('notifications.channels')}>
              {overview.channels.length === 0 ? (
                <p className="mb-3 text-xs text-muted">{t('notifications.noChannels')}</p>
              ) : (
                <ul className="mb-4 divide-y divide-line">
                  {overview.channels.map((c) => (
                    <ChannelRow key={c.id} serverId={serverId} channel={c} onChanged={reload} />
                  ))}
                </ul>
              )}
              <ChannelForm serverId={serverId} onSaved={reload} />
            </Panel>
            <Panel title={t('notifications.rules')}>
              <RulesGrid serverId={serverId} overview={overview} onSaved={reload} />
            </Panel>
            <Panel title={t('notifications.settings')}>
              <SettingsForm
                key={JSON.stringify(overview.settings)}
                serverId={serverId}
                overview={overview}
                onSaved={reload}
              />
            </Panel>
            <Panel
              title={t('notifications.log')}
              actions={
                <Button size="sm" onClick={reload}>
                  {t('notifications.refresh')}
                </Button>
              }
            >
              <DeliveryLog entries={log.entries} pending={log.pending} />
            </Panel>
          </>
        )}
      </div>
    </>
  );
}

/** Per server: where the agent sends alerts, which events go where, and what it sent. */
export function NotificationsPage({ serverId }: { serverId: string }) {
  const api = useApp((s) => s.api);
  const [data, setData] = useState<NotificationsData>({
    overview: null,
    log: { entries: [], pending: [] },
    error: null,
  });

  const load = useCallback(async () => {
    try {
      const [overview, log] = await Promise.all([
        api.getAlerts(serverId),
        api.alertLog(serverId, { limit: 100 }),
      ]);
      setData({ overview, log, error: null });
    } catch (err) {
      setData((d) => ({ ...d, error: failureText(err) }));
    }
  }, [api, serverId]);

  useEffect(() => {
    void load();
  }, [load]);

  return <NotificationsView serverId={serverId} data={data} reload={() => void load()} />;
}
