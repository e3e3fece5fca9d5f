import { liveStatus } from '../instances/state';
import type { Instance } from '@protocol/types';
import type { StackDriver } from './stack-driver';

/**
 * Keeps the registry's status of instances at rest in line with Docker's events. The first
 * event of a project is looked at at once (a status change should reach the UI within 100 ms);
 * the rest of a burst (a stack stopping) is coalesced into one more look after `debounceMs`.
 * An instance some operation holds (create, start, repair…) is left to that operation.
 */
export class LiveStatus {
  private readonly pending = new Map<
    string,
    { again: boolean; timer?: ReturnType<typeof setTimeout> }
  >();
  private closed = false;

  constructor(
    private readonly driver: StackDriver,
    private readonly debounceMs: number,
  ) {}

  onEvent(project: string): void {
    this.driver.signals.notify(project);
    const busy = this.pending.get(project);
    if (busy) {
      busy.again = true;
      return;
    }
    const entry: { again: boolean; timer?: ReturnType<typeof setTimeout> } = { again: false };
    this.pending.set(project, entry);
    void this.refresh(project)
      .catch(() => {
        // Docker went away between the event and our look; the reconnect will reconcile.
      })
      .finally(() => {
        if (this.closed || this.pending.get(project) !== entry) return;
        if (!entry.again) {
          this.pending.delete(project);
          return;
        }
        entry.timer = setTimeout(() => {
          this.pending.delete(project);
          if (!this.closed) this.onEvent(project);
        }, this.debounceMs);
      });
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
    this.closed = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
