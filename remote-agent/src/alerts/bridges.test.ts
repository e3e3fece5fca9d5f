import { describe, expect, it } from 'vitest';
import type { AgentEvent, Instance } from '@protocol/types';
import { EventBus } from '../events/bus';
import { alertFor, bridgeAlerts } from './bridges';
import type { AlertInput } from './service';

const NOW = new Date('2026-12-02T12:00:00Z');
const shop = { id: 'abc123def4', name: 'shop', tags: ['cliente:acme'] } as unknown as Instance;
const lookup = (id: string) => (id === shop.id ? shop : undefined);

function backupFailed(job: 'backup' | 'verify' | 'restore'): AgentEvent {
  return {
    type: 'backup.progress',
    event: {
      jobId: 'j1',
      instanceId: shop.id,
      job,
      at: NOW.toISOString(),
      phase: 'failed',
      error: { code: 'BACKUP_DESTINATION_FULL', message: 'The destination is full.' },
    },
  };
}

describe('alerts from other services', () => {
  it('a failed backup and a failed drill raise their own alerts, with the project and its tags', () => {
    expect(alertFor(backupFailed('backup'), lookup, () => NOW)).toMatchObject({
      kind: 'backup.failed',
      project: 'shop',
      tags: ['cliente:acme'],
      detail: 'BACKUP_DESTINATION_FULL: The destination is full.',
    });
    expect(alertFor(backupFailed('verify'), lookup, () => NOW)?.kind).toBe('restore-drill.failed');
    // A restore's failure is answered to the person who started it.
    expect(alertFor(backupFailed('restore'), lookup, () => NOW)).toBeUndefined();
  });

  it('a progress step that is not a failure raises nothing', () => {
    const event = backupFailed('backup');
    if (event.type === 'backup.progress') event.event.phase = 'database';
    expect(alertFor(event, lookup, () => NOW)).toBeUndefined();
  });

  it('an upgrade that ended in error raises upgrade.failed; a good one does not', () => {
    const entry = {
      seq: 7,
      at: NOW.toISOString(),
      actor: 'ana',
      action: 'instances.upgrade.finish',
      target: shop.id,
      result: 'error' as const,
      code: 'UPGRADE_ROLLED_BACK',
      detail: { from: '2026.02.16', to: '2026.06.03' },
    };
    expect(alertFor({ type: 'audit', entry }, lookup, () => NOW)).toMatchObject({
      kind: 'upgrade.failed',
      detail: 'UPGRADE_ROLLED_BACK',
      facts: { from: '2026.02.16', to: '2026.06.03' },
    });
    expect(
      alertFor({ type: 'audit', entry: { ...entry, result: 'ok' } }, lookup, () => NOW),
    ).toBeUndefined();
  });

  it('any operation that ended with DISK_FULL raises operation.disk-full, with the project', () => {
    const entry = {
      seq: 9,
      at: NOW.toISOString(),
      actor: 'agent',
      action: 'instances.create.finish',
      target: shop.id,
      result: 'error' as const,
      code: 'DISK_FULL',
    };
    expect(alertFor({ type: 'audit', entry }, lookup, () => NOW)).toMatchObject({
      kind: 'operation.disk-full',
      key: 'operation.disk-full:9',
      project: 'shop',
      detail: 'instances.create.finish',
    });
    const other = { ...entry, code: 'START_FAILED' };
    expect(alertFor({ type: 'audit', entry: other }, lookup, () => NOW)).toBeUndefined();
  });

  it('an expiring certificate says in how many days, keyed by name and expiry', () => {
    const input = alertFor(
      {
        type: 'domain.certificateExpiring',
        instanceId: shop.id,
        domain: {
          hostname: 'api.acme.test',
          target: 'api',
          hsts: false,
          studioAllowIps: [],
          addedAt: NOW.toISOString(),
          addedBy: 'ana',
          records: [],
          certificate: { state: 'expiring', expiresAt: '2026-12-12T12:00:00Z' },
        },
      },
      lookup,
      () => NOW,
    );
    expect(input).toMatchObject({ kind: 'certificate.expiring', facts: { days: 10 } });
    expect(input?.key).toBe('certificate.expiring:api.acme.test:2026-12-12T12:00:00Z');
  });

  it('the bridge queues what the bus announces', async () => {
    const bus = new EventBus();
    const queued: AlertInput[] = [];
    bridgeAlerts({
      bus,
      notify: async (input) => void queued.push(input),
      lookup,
      now: () => NOW,
      onError: () => undefined,
    });
    bus.emit(backupFailed('backup'));
    bus.emit({ type: 'instance.deleted', instanceId: shop.id });
    await Promise.resolve();
    expect(queued.map((q) => q.kind)).toEqual(['backup.failed']);
  });
});
