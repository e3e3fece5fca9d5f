import { liveStatus } from '../instances/state';
import type { Instance, ServiceState } from '@protocol/types';
import type { StackDriver } from './stack-driver';
import type { ContainerExitWatch } from './exit-watch';
import type { RunningContainer } from './status';

/**
 * Keeps the registry's status of instances at rest in line with Docker's events. The first
 * event of a project is looked at at once (a status change should reach the UI within 100 ms);
 * the rest of a burst (a stack stopping) is coalesced into one more look after `debounceMs`.
 * An instance some operation holds (create, start, repair…) is left to that operation.
 *
 * With an exit watch, a container the kernel saw stop is shown `exited` at once, before
 * Docker's own event (./exit-watch.ts); Docker's next look confirms or corrects it.
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
    private readonly exits?: ContainerExitWatch,
  ) {}

  /** The kernel says a service's container stopped (exit watch): show it before Docker does. */
  async exited(project: string, service: string): Promise<void> {
    const { registry, locks } = this.driver.deps;
    const inst = registry.list().find((i) => i.project === project);
    if (!inst || locks.isBusy(inst.id) || !inst.services) return;
    const services = inst.services.map((s): ServiceState =>
      s.service === service && s.state === 'running'
        ? { ...s, state: 'exited', health: 'none' }
        : s,
    );
    const next = liveStatus(inst.status, services);
    if (!next || JSON.stringify(services) === JSON.stringify(inst.services)) return;
    // Shown before it is fsynced: what the kernel saw is seen again by the next look.
    await registry.update(inst.id, { status: next, services }, { announce: 'applied' });
  }

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
    const running: RunningContainer[] = [];
    const now = await this.driver.states(inst, (c) => running.push(c));
    const next0 = liveStatus(inst.status, now);
    if (!next0) {
      this.exits?.untrack(inst.project);
      return;
    }
    let next = next0;
    if (this.exits) {
      // Docker may not have caught up with an exit the kernel already reported.
      for (const c of running) {
        if (!this.exits.stoppedEarly(c.id, c.pid)) continue;
        const s = now.find((x) => x.service === c.service);
        if (s) Object.assign(s, { state: 'exited', health: 'none' });
      }
      next = liveStatus(inst.status, now) ?? next0;
      this.exits.track(inst.project, running);
    }
    const fresh = registry.get(inst.id);
    if (!fresh || locks.isBusy(inst.id) || fresh.status !== inst.status) return;
    if (next !== fresh.status || JSON.stringify(now) !== JSON.stringify(fresh.services ?? [])) {
      await registry.update(inst.id, { status: next, services: now }, { announce: 'applied' });
    }
  }

  close(): void {
    this.closed = true;
    this.exits?.close();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
