import { liveStatus } from '../instances/state';
import type { Instance } from '@protocol/types';
import type { StackDriver } from './stack-driver';

/**
 * Keeps the registry's status of instances at rest in line with Docker's events: a burst of
 * events (a stack stopping) is coalesced into one look, and an instance some operation holds
 * (create, start, repair…) is left to that operation.
 */
export class LiveStatus {
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly driver: StackDriver,
    private readonly debounceMs: number,
  ) {}

  onEvent(project: string): void {
    this.driver.signals.notify(project);
    if (this.pending.has(project)) return;
    this.pending.set(
      project,
      setTimeout(() => {
        this.pending.delete(project);
        void this.refresh(project).catch(() => {
          // Docker went away between the event and our look; the reconnect will reconcile.
        });
      }, this.debounceMs),
    );
  }

  private async refresh(project: string): Promise<void> {
    const inst = this.driver.deps.registry.list().find((i) => i.project === project);
    if (!inst || this.driver.deps.locks.isBusy(inst.id)) return;
    await this.apply(inst);
  }

  async apply(inst: Instance): Promise<void> {
    const { registry, locks } = this.driver.deps;
    const now = await this.driver.states(inst);
    const next = liveStatus(inst.status, now);
    if (!next) return;
    const fresh = registry.get(inst.id);
    if (!fresh || locks.isBusy(inst.id) || fresh.status !== inst.status) return;
    if (next !== fresh.status || JSON.stringify(now) !== JSON.stringify(fresh.services ?? [])) {
      await registry.update(inst.id, { status: next, services: now });
    }
  }

  close(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
