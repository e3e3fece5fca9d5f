import type { AlertKind } from '@protocol/alerts';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, Instance } from '@protocol/types';
import type { EventBus } from '../events/bus';
import type { AlertInput } from './service';

const DAY_MS = 24 * 60 * 60 * 1000;

function project(
  instance: Instance | undefined,
  instanceId: string,
): Pick<AlertInput, 'instanceId' | 'project' | 'tags'> {
  if (!instance) return { instanceId };
  return {
    instanceId,
    project: instance.name,
    ...(instance.tags?.length ? { tags: instance.tags } : {}),
  };
}

/**
 * The alert another part of the agent's events stands for: a backup or a restore drill that
 * failed, an upgrade that failed (rolled back or not), a certificate about to expire. The
 * detector covers what the registry shows; these happen in services that only announce them.
 */
export function alertFor(
  event: AgentEvent,
  lookup: (instanceId: string) => Instance | undefined,
  now: () => Date,
): AlertInput | undefined {
  switch (event.type) {
    case 'backup.progress': {
      const p = event.event;
      if (p.phase !== 'failed') return undefined;
      // A verify job is the restore drill (scheduled or by hand); restores and clones are
      // operations a person watches, and their own answer says what failed.
      const kind: AlertKind | undefined =
        p.job === 'backup'
          ? 'backup.failed'
          : p.job === 'verify'
            ? 'restore-drill.failed'
            : undefined;
      if (!kind) return undefined;
      return {
        kind,
        key: `${kind}:${p.jobId}`,
        ...project(lookup(p.instanceId), p.instanceId),
        ...(p.error ? { detail: `${p.error.code}: ${p.error.message}`.slice(0, 300) } : {}),
      };
    }
    case 'audit': {
      const e = event.entry;
      // Any operation that ended because the disk filled up (and was rolled back): disk/.
      if (e.code === ErrorCode.DISK_FULL && e.result === 'error') {
        return {
          kind: 'operation.disk-full',
          key: `operation.disk-full:${e.seq}`,
          ...(e.target ? project(lookup(e.target), e.target) : {}),
          detail: e.action,
        };
      }
      if (e.action !== 'instances.upgrade.finish' || e.result !== 'error' || !e.target) {
        return undefined;
      }
      const from = typeof e.detail?.from === 'string' ? e.detail.from : undefined;
      const to = typeof e.detail?.to === 'string' ? e.detail.to : undefined;
      return {
        kind: 'upgrade.failed',
        key: `upgrade.failed:${e.target}:${e.seq}`,
        ...project(lookup(e.target), e.target),
        ...(e.code ? { detail: e.code } : {}),
        ...(from && to ? { facts: { from, to } } : {}),
      };
    }
    case 'domain.certificateExpiring': {
      const { domain } = event;
      const expiresAt = domain.certificate.expiresAt;
      const days = expiresAt
        ? Math.max(0, Math.floor((Date.parse(expiresAt) - now().getTime()) / DAY_MS))
        : 0;
      return {
        kind: 'certificate.expiring',
        key: `certificate.expiring:${domain.hostname}:${expiresAt ?? 'unknown'}`,
        ...project(lookup(event.instanceId), event.instanceId),
        detail: domain.certificate.lastError?.message ?? domain.hostname,
        facts: { days, hostname: domain.hostname },
      };
    }
    default:
      return undefined;
  }
}

/** Feeds those events to the alerts' outbox for as long as the agent runs. */
export function bridgeAlerts(deps: {
  bus: EventBus;
  notify(input: AlertInput): Promise<void>;
  lookup(instanceId: string): Instance | undefined;
  now(): Date;
  onError(error: unknown): void;
}): () => void {
  return deps.bus.subscribe((event) => {
    const input = alertFor(event, deps.lookup, deps.now);
    if (input) deps.notify(input).catch(deps.onError);
  });
}
