import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventBus } from '../events/bus';
import { createLogger } from '../log/logger';
import type { Instance } from '@protocol/types';
import type { Outgoing } from './channels/send';
import { startAlerts, type AlertService } from './service';
import type { ChannelConfig, StoredChannel } from './types';

/** Small fakes for the alert unit tests (not a test file itself). */
export function instance(id: string, status: Instance['status'], name = id): Instance {
  return {
    id,
    name,
    owner: 'admin',
    status,
    createdAt: '2026-12-02T00:00:00.000Z',
    updatedAt: '2026-12-02T00:00:00.000Z',
    exposure: 'private',
    ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
    urls: { studio: '', api: '', database: '' },
    project: `ub_${id}`,
  };
}

export interface Sent {
  channel: ChannelConfig;
  out: Outgoing;
}

export class FakeWorld {
  readonly bus = new EventBus();
  readonly instances = new Map<string, Instance>();
  readonly sent: Sent[] = [];
  readonly logLines: string[] = [];
  failing = false;

  set(inst: Instance): void {
    this.instances.set(inst.id, inst);
    this.bus.emit({ type: 'instance.changed', instance: inst });
  }

  async start(dataDir: string): Promise<AlertService> {
    return startAlerts({
      dataDir,
      bus: this.bus,
      instances: () => [...this.instances.values()],
      readHost: () =>
        Promise.resolve({
          memoryTotalMb: 1000,
          memoryAvailableMb: 500,
          diskTotalMb: 1000,
          diskFreeMb: 500,
          load1: 0,
          cpus: 1,
        }),
      logger: createLogger({ sink: (l) => this.logLines.push(l) }),
      tickMs: 20,
      hostCheckMs: 60_000,
      send: (channel, out) => {
        if (this.failing) return Promise.reject(new Error('receiver down'));
        this.sent.push({ channel, out });
        return Promise.resolve();
      },
    });
  }
}

export const tempDir = () => mkdtemp(path.join(tmpdir(), 'ub-alerts-'));

export function webhookChannel(id: string): StoredChannel {
  return {
    id,
    name: id,
    enabled: true,
    config: { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'hook-secret-1' },
  };
}

export async function waitFor<T>(probe: () => T | undefined, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
