import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import { errorFields } from '../log/logger';
import type { HostReadings } from '../system/resources';
import type { AlertEvent, AlertKind, AlertRule, AlertSettings } from '@protocol/alerts';
import type { Instance } from '@protocol/types';
import { sendTo, type Sender } from './channels/send';
import { Deliverer } from './delivery';
import { AlertDetector } from './detector';
import { accept } from './outbox';
import { channelsFor } from './rules';
import { DEFAULT_RULES, defaultSettings, openAlertStores, type AlertStores } from './stores';
import type { QueueFile, StoredChannel } from './types';

export interface AlertServiceDeps {
  dataDir: string;
  bus: EventBus;
  instances(): Instance[];
  readHost(): Promise<HostReadings>;
  logger: Logger;
  now?: () => number;
  /** Seams for tests; the defaults are the real senders and timers. */
  send?: Sender;
  tickMs?: number;
  hostCheckMs?: number;
}

/** What another part of the agent passes to `notify` (backups, upgrades, certificates…). */
export type AlertInput = Omit<AlertEvent, 'at'> & { at?: string };

export interface AlertService {
  readonly stores: AlertStores;
  readonly deliverer: Deliverer;
  readonly detector: AlertDetector;
  /** Puts an event through the rules into the outbox; resolves once that is on disk. */
  notify(event: AlertInput): Promise<void>;
  channels(): StoredChannel[];
  rules(): AlertRule[];
  settings(): AlertSettings;
  /** Remember secrets so the log guard cuts them out of every log line. */
  guardSecrets(channel: StoredChannel): void;
  close(): Promise<void>;
}

export const ALERT_SECRET_FIELDS = ['password', 'secret', 'url', 'botToken'] as const;

/**
 * The alerts part of the agent: stores, detector (hooked on the event bus), outbox deliverer.
 * Everything the detector or `notify` accepts is on disk before it is acknowledged, and is sent
 * after a restart if the agent dies first.
 */
export async function startAlerts(deps: AlertServiceDeps): Promise<AlertService> {
  const now = deps.now ?? Date.now;
  const stores = await openAlertStores(deps.dataDir);
  const crashedBefore = stores.existed && stores.queue.value.running;
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const settings = (): AlertSettings => ({ ...defaultSettings(), ...stores.config.value.settings });
  const rules = (): AlertRule[] => stores.config.value.rules ?? [...DEFAULT_RULES];
  const channels = () => stores.config.value.channels;
  const channel = (id: string) => channels().find((c) => c.id === id);

  const guardSecrets = (c: StoredChannel) => {
    const config = c.config as Record<string, unknown>;
    for (const field of ALERT_SECRET_FIELDS) {
      const value = config[field];
      // The generic webhook's URL is not a secret; Slack's and Discord's are.
      if (field === 'url' && c.config.type === 'webhook') continue;
      if (typeof value === 'string' && value.length >= 6) deps.logger.redactor.addSecret(value);
    }
  };
  channels().forEach(guardSecrets);

  const deliverer: Deliverer = new Deliverer({
    queue: stores.queue,
    log: stores.log,
    channel,
    settings,
    send: deps.send ?? sendTo,
    now,
    exclusive,
    onError: (error) => deps.logger.error('alert delivery failed', errorFields(error)),
  });

  const commit = (change: (queue: QueueFile) => AlertEvent[]) =>
    exclusive(async () => {
      const queue = stores.queue.value;
      const before = JSON.stringify(queue);
      const events = change(queue);
      accept(queue, events, {
        now: now(),
        groupWindowMs: settings().groupWindowSeconds * 1000,
        route: (e) => channelsFor(e, rules(), channels()),
        isSending: (item) => deliverer.isSending(item),
      });
      // Most ticks change nothing: no write then.
      if (JSON.stringify(queue) !== before) await stores.queue.save();
      if (events.length) {
        deps.logger.info('alert events', { kinds: events.map((e) => e.kind).join(',') });
        deliverer.kick();
      }
    });

  const detector = new AlertDetector({ instances: deps.instances, settings, now, commit });
  await detector.start(crashedBefore);
  await deliverer.start();

  const logFailure = (what: string) => (error: unknown) =>
    deps.logger.warn(what, errorFields(error));
  const unsubscribe = deps.bus.subscribe((event) => {
    detector.onEvent(event)?.catch(logFailure('alert detector failed'));
  });
  const tick = setInterval(
    () => void detector.tick().catch(logFailure('alert tick failed')),
    deps.tickMs ?? 1_000,
  );
  tick.unref?.();
  const hostCheck = async () => detector.checkHost(await deps.readHost());
  const hostTimer = setInterval(
    () => void hostCheck().catch(logFailure('alert host check failed')),
    deps.hostCheckMs ?? 60_000,
  );
  hostTimer.unref?.();
  void hostCheck().catch(logFailure('alert host check failed'));

  return {
    stores,
    deliverer,
    detector,
    notify: (input) =>
      commit(() => [{ ...input, at: input.at ?? new Date(now()).toISOString() } as AlertEvent]),
    channels,
    rules,
    settings,
    guardSecrets,
    async close() {
      unsubscribe();
      clearInterval(tick);
      clearInterval(hostTimer);
      await deliverer.stop();
      await exclusive(async () => {
        stores.queue.value.running = false;
        await stores.queue.save();
      });
    },
  };
}

export type { AlertKind };
