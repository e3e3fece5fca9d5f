import type { ConnectionState } from '@contract/api';
import { useTranslation } from 'react-i18next';
import type { InstanceStatus } from '@protocol/types';

type Tone = 'green' | 'amber' | 'red' | 'grey' | 'blue';

const TONES: Record<Tone, string> = {
  green: 'bg-emerald-500/12 text-emerald-700 dark:text-emerald-400 ring-emerald-500/30',
  amber: 'bg-amber-500/12 text-amber-800 dark:text-amber-300 ring-amber-500/30',
  red: 'bg-red-500/12 text-red-700 dark:text-red-400 ring-red-500/30',
  grey: 'bg-zinc-500/12 text-zinc-600 dark:text-zinc-300 ring-zinc-500/30',
  blue: 'bg-sky-500/12 text-sky-700 dark:text-sky-300 ring-sky-500/30',
};

const DOTS: Record<Tone, string> = {
  green: 'bg-emerald-500',
  amber: 'bg-amber-500',
  red: 'bg-red-500',
  grey: 'bg-zinc-400',
  blue: 'bg-sky-500',
};

export const INSTANCE_TONE: Record<InstanceStatus, Tone> = {
  created: 'grey',
  queued: 'blue',
  creating: 'blue',
  running: 'green',
  degraded: 'amber',
  stopping: 'blue',
  stopped: 'grey',
  starting: 'blue',
  restarting: 'blue',
  failed: 'red',
  deleting: 'blue',
};

export const CONNECTION_TONE: Record<ConnectionState, Tone> = {
  disconnected: 'grey',
  connecting: 'blue',
  bootstrapping: 'blue',
  connected: 'green',
  reconnecting: 'amber',
  error: 'red',
};

const BUSY = new Set(['queued', 'creating', 'stopping', 'starting', 'restarting', 'deleting']);

export function Badge({
  tone,
  label,
  pulse = false,
}: {
  tone: Tone;
  label: string;
  pulse?: boolean;
}) {
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset ${TONES[tone]}`}
    >
      <span className={`size-1.5 rounded-full ${DOTS[tone]} ${pulse ? 'animate-pulse' : ''}`} />
      {label}
    </span>
  );
}

export function StatusBadge({ status }: { status: InstanceStatus }) {
  const { t } = useTranslation();
  return (
    <Badge tone={INSTANCE_TONE[status]} label={t(`status.${status}`)} pulse={BUSY.has(status)} />
  );
}

export function ConnectionDot({ state }: { state: ConnectionState }) {
  const { t } = useTranslation();
  const pulse = state === 'connecting' || state === 'bootstrapping' || state === 'reconnecting';
  return (
    <span
      role="img"
      aria-label={t(`connection.${state}`)}
      title={t(`connection.${state}`)}
      className={`inline-block size-2 shrink-0 rounded-full ${DOTS[CONNECTION_TONE[state]]} ${pulse ? 'animate-pulse' : ''}`}
    />
  );
}
