import type { AgentEvent, DomainView } from '@protocol/types';

export interface ExpiryWatch {
  /** One pass: warns for every certificate that expires within 14 days (or has expired). */
  check(): Promise<number>;
  start(): void;
  stop(): void;
}

/**
 * Caddy renews a certificate when a third of its life is left (30 days of Let's Encrypt's 90),
 * so one that reaches 14 days means renewal keeps failing: a person must look (DNS moved, port
 * 80 closed, a rate limit). Each certificate is announced once per expiry date, not every pass.
 */
export function expiryWatch(deps: {
  domains(): Promise<{ instanceId: string; domain: DomainView }[]>;
  emit(event: AgentEvent): void;
  warn(message: string, fields: Record<string, unknown>): void;
  intervalMs?: number;
}): ExpiryWatch {
  const announced = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    let count = 0;
    for (const { instanceId, domain } of await deps.domains()) {
      const { state, expiresAt } = domain.certificate;
      if (state !== 'expiring' && state !== 'expired') continue;
      count += 1;
      const key = `${domain.hostname}@${expiresAt ?? ''}`;
      if (announced.has(key)) continue;
      announced.add(key);
      deps.warn('certificate expires soon and was not renewed', {
        instance: instanceId,
        hostname: domain.hostname,
        expiresAt,
        lastError: domain.certificate.lastError?.message,
      });
      deps.emit({ type: 'domain.certificateExpiring', instanceId, domain });
    }
    return count;
  };
  return {
    check,
    start() {
      if (timer) return;
      timer = setInterval(
        () => void check().catch(() => undefined),
        deps.intervalMs ?? 6 * 3600_000,
      );
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
