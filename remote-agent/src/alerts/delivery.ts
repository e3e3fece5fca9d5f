import { ALERT_SEVERITY, type AlertSettings, type DeliveryLogEntry } from '@protocol/alerts';
import type { JsonFile } from './json-file';
import { renderMessage, type RenderedMessage } from './messages/render';
import { backoffMs, quietUntil, rateLimitedUntil, recentSends } from './policy';
import type { Outgoing, Sender } from './channels/send';
import { LOG_KEEP } from './stores';
import { DEFAULT_MAX_PER_HOUR, type OutboxItem, type QueueFile, type StoredChannel } from './types';

export interface DelivererDeps {
  queue: JsonFile<QueueFile>;
  log: JsonFile<{ version: 1; entries: DeliveryLogEntry[] }>;
  channel(id: string): StoredChannel | undefined;
  settings(): AlertSettings;
  send: Sender;
  now(): number;
  /** Serializes changes to the queue with the detector's (one writer at a time). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  onError(error: unknown): void;
}

/** Longest sleep between looks at the outbox (quiet hours, rate limits and retries move on). */
const MAX_SLEEP_MS = 30_000;

/**
 * Sends what the outbox holds when it is due, one message per item: on success the item leaves
 * the outbox (and the log says "sent"); on failure it stays with a later retry time (backoff),
 * until `giveUpAfterHours` drops it. A crash between sending and removing the item sends it
 * again after the restart; the delivery id stays the same so a receiver can drop the repeat.
 */
export class Deliverer {
  private readonly sending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly deps: DelivererDeps) {}

  isSending(item: OutboxItem): boolean {
    return this.sending.has(item.id);
  }

  /** After a restart, items that already failed are tried at once rather than at their old time. */
  async start(): Promise<void> {
    await this.deps.exclusive(async () => {
      const now = this.deps.now();
      let changed = false;
      for (const item of this.deps.queue.value.outbox) {
        if (item.attempts > 0 && item.nextAttemptAt > now) {
          item.nextAttemptAt = now;
          changed = true;
        }
      }
      if (changed) await this.deps.queue.save();
    });
    this.kick();
  }

  /** Look at the outbox soon (new items, or a test that wants it now). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), 0);
    this.timer.unref?.();
  }

  /** Resolves when the current pass is over (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.idle();
  }

  private run(): void {
    this.timer = undefined;
    this.running = this.pass()
      .catch((error: unknown) => this.deps.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else this.scheduleNext();
      });
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const now = this.deps.now();
    const next = Math.min(
      now + MAX_SLEEP_MS,
      ...this.deps.queue.value.outbox.map((i) => i.nextAttemptAt),
    );
    this.timer = setTimeout(() => this.run(), Math.max(50, next - now));
    this.timer.unref?.();
  }

  /** One look: every due item is held back (quiet hours, rate limit) or sent. */
  async pass(): Promise<void> {
    const due = await this.deps.exclusive(async () => {
      const now = this.deps.now();
      const queue = this.deps.queue.value;
      const ready: OutboxItem[] = [];
      let changed = false;
      for (const item of [...queue.outbox]) {
        if (item.nextAttemptAt > now || this.sending.has(item.id)) continue;
        const channel = this.deps.channel(item.channelId);
        if (!channel || !channel.enabled) {
          queue.outbox = queue.outbox.filter((i) => i !== item);
          this.appendLog(item, channel, 'dropped', 'the channel was removed or turned off');
          changed = true;
          continue;
        }
        const critical = item.events.some((e) => ALERT_SEVERITY[e.kind] === 'critical');
        const holdUntil =
          (critical ? undefined : quietUntil(now, channel.quietHours)) ??
          rateLimitedUntil(
            now,
            queue.sent[channel.id] ?? [],
            channel.maxPerHour ?? DEFAULT_MAX_PER_HOUR,
          );
        if (holdUntil !== undefined) {
          // Still never tried: later events keep joining this one message while it waits.
          item.nextAttemptAt = holdUntil;
          changed = true;
          continue;
        }
        this.sending.add(item.id);
        ready.push(item);
      }
      if (changed) await Promise.all([this.deps.queue.save(), this.deps.log.save()]);
      return ready;
    });
    await Promise.all(due.map((item) => this.deliver(item)));
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const channel = this.deps.channel(item.channelId)!;
    const settings = this.deps.settings();
    let error: unknown;
    try {
      await this.deps.send(channel.config, this.outgoing(item, settings));
    } catch (e) {
      error = e ?? new Error('send failed');
    }
    await this.deps.exclusive(async () => {
      this.sending.delete(item.id);
      const queue = this.deps.queue.value;
      const now = this.deps.now();
      if (error === undefined) {
        queue.outbox = queue.outbox.filter((i) => i.id !== item.id);
        queue.sent[channel.id] = [...recentSends(now, queue.sent[channel.id] ?? []), now];
        this.appendLog(item, channel, 'sent');
      } else {
        item.attempts++;
        item.lastError = messageOf(error);
        const age = now - item.createdAt;
        if (age > settings.giveUpAfterHours * 3_600_000) {
          queue.outbox = queue.outbox.filter((i) => i.id !== item.id);
          this.appendLog(item, channel, 'dropped', item.lastError);
        } else {
          item.nextAttemptAt =
            now + backoffMs(item.attempts, settings.retryBaseSeconds, settings.retryMaxSeconds);
          this.appendLog(item, channel, 'failed', item.lastError);
        }
      }
      await Promise.all([this.deps.queue.save(), this.deps.log.save()]);
    });
  }

  outgoing(item: OutboxItem, settings: AlertSettings): Outgoing {
    return {
      message: this.render(item, settings),
      events: item.events,
      deliveryId: item.id,
      language: settings.language,
      now: new Date(this.deps.now()),
    };
  }

  private render(item: OutboxItem, settings: AlertSettings): RenderedMessage {
    return renderMessage(
      item.events,
      { language: settings.language, server: settings.serverName },
      (k) => ALERT_SEVERITY[k],
    );
  }

  private appendLog(
    item: OutboxItem,
    channel: StoredChannel | undefined,
    result: DeliveryLogEntry['result'],
    error?: string,
  ): void {
    const settings = this.deps.settings();
    const entries = this.deps.log.value.entries;
    entries.push({
      at: new Date(this.deps.now()).toISOString(),
      deliveryId: item.id,
      channelId: item.channelId,
      channelName: channel?.name ?? item.channelId,
      channelType: channel?.config.type ?? 'webhook',
      result,
      attempt: result === 'sent' ? item.attempts + 1 : item.attempts,
      kinds: [...new Set(item.events.map((e) => e.kind))],
      projects: [...new Set(item.events.flatMap((e) => (e.project ? [e.project] : [])))],
      title: this.render(item, settings).title,
      ...(error ? { error } : {}),
    });
    if (entries.length > LOG_KEEP) entries.splice(0, entries.length - LOG_KEEP);
  }
}

export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 300);
}
