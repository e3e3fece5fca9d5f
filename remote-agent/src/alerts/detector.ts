import type { AlertEvent, AlertSettings } from '@protocol/alerts';
import type { AgentEvent, Instance, InstanceStatus, RepairResult } from '@protocol/types';
import type { HostReadings } from '../system/resources';
import type { AlertIncident, QueueFile } from './types';

/**
 * Turns what the agent already knows (registry changes, repairs, host readings) into alert
 * events. Its memory that matters across a crash (open incidents, raised host alarms) lives in
 * the queue file, changed in the same write that puts the resulting events in the outbox.
 */
export interface DetectorDeps {
  instances(): Instance[];
  settings(): AlertSettings;
  now(): number;
  /**
   * Applies `change` to the queue file and puts the events it returns into the outbox, all in
   * one durable write.
   */
  commit(change: (queue: QueueFile) => AlertEvent[]): Promise<void>;
}

/** Statuses in which a project is meant to be up but is not. */
const BAD = new Set<InstanceStatus>(['degraded']);
/** A person's choice: the incident ends without a "recovered". */
const LET_GO = new Set<InstanceStatus>(['stopped', 'stopping', 'deleting']);
const CREATING = new Set<InstanceStatus>(['queued', 'creating']);
const WAS_UP = new Set<InstanceStatus>(['running', 'degraded']);
const MAX_TRIED = 8;

interface Seen {
  status: InstanceStatus;
  needsAttention: boolean;
}

function tagsOf(instance: Instance): string[] | undefined {
  const tags = (instance as { tags?: unknown }).tags;
  return Array.isArray(tags) && tags.every((t) => typeof t === 'string') ? tags : undefined;
}

function projectFields(instance: Instance): Pick<AlertEvent, 'instanceId' | 'project' | 'tags'> {
  const tags = tagsOf(instance);
  return { instanceId: instance.id, project: instance.name, ...(tags ? { tags } : {}) };
}

/** The services that are not up, in words: "db: exited (137)". */
export function downServices(instance: Instance): string | undefined {
  const bad = (instance.services ?? []).filter(
    (s) => s.state !== 'running' || s.health === 'unhealthy',
  );
  if (bad.length === 0) return instance.error?.reason;
  return bad
    .map((s) => {
      const how = s.state !== 'running' ? s.state : s.health;
      return `${s.service}: ${how}${s.exitCode !== undefined && s.state !== 'running' ? ` (${s.exitCode})` : ''}`;
    })
    .join(', ');
}

function describeRepair(result: RepairResult): string {
  const actions = result.actions.map(
    (a) =>
      `${a.kind} ${a.target}${a.error ? ` (failed: ${a.error})` : a.done ? '' : ' (not done)'}`,
  );
  const outcome = result.after ? ` → ${result.after.status}` : '';
  return `${actions.length ? actions.join(', ') : 'repair'}${outcome}`.slice(0, 300);
}

export class AlertDetector {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly deps: DetectorDeps) {}

  private iso(): string {
    return new Date(this.deps.now()).toISOString();
  }

  /**
   * Lines the detector up with the registry at start: incidents of projects that came back
   * while the agent was down end with "recovered"; projects found degraded open one. A crash
   * that ended a previous run is reported as `agent.restarted`.
   */
  async start(crashedBefore: boolean): Promise<void> {
    const instances = this.deps.instances();
    for (const i of instances) {
      this.seen.set(i.id, { status: i.status, needsAttention: i.needsAttention === true });
    }
    await this.deps.commit((queue) => {
      const events: AlertEvent[] = [];
      const now = this.iso();
      for (const [id, incident] of Object.entries(queue.incidents)) {
        const instance = instances.find((i) => i.id === id);
        if (!instance || LET_GO.has(instance.status)) delete queue.incidents[id];
        else if (instance.status === 'running') {
          if (incident.notified) events.push(this.recovered(instance, incident));
          delete queue.incidents[id];
        }
      }
      for (const i of instances) {
        if (BAD.has(i.status) && !queue.incidents[i.id]) {
          queue.incidents[i.id] = { since: now, notified: false, tried: [] };
        }
      }
      if (crashedBefore) {
        events.push({ kind: 'agent.restarted', key: `agent.restarted:${now}`, at: now });
      }
      queue.running = true;
      return events;
    });
  }

  onEvent(event: AgentEvent): Promise<void> | undefined {
    switch (event.type) {
      case 'instance.changed':
        return this.onChanged(event.instance);
      case 'instance.deleted':
        this.seen.delete(event.instanceId);
        return this.deps.commit((queue) => {
          delete queue.incidents[event.instanceId];
          return [];
        });
      case 'instance.repaired':
        return event.automatic ? this.onRepaired(event.instanceId, event.result) : undefined;
      default:
        return undefined;
    }
  }

  private onChanged(instance: Instance): Promise<void> {
    const before = this.seen.get(instance.id);
    this.seen.set(instance.id, {
      status: instance.status,
      needsAttention: instance.needsAttention === true,
    });
    return this.deps.commit((queue) => {
      const events: AlertEvent[] = [];
      const now = this.iso();
      const incident = queue.incidents[instance.id];
      if (BAD.has(instance.status)) {
        if (!incident) queue.incidents[instance.id] = { since: now, notified: false, tried: [] };
      } else if (instance.status === 'running') {
        if (incident?.notified) events.push(this.recovered(instance, incident));
        delete queue.incidents[instance.id];
      } else if (LET_GO.has(instance.status)) {
        delete queue.incidents[instance.id];
      }
      if (instance.status === 'failed' && before && CREATING.has(before.status)) {
        events.push({
          kind: 'creation.failed',
          key: `creation.failed:${instance.id}`,
          at: now,
          since: instance.createdAt,
          ...projectFields(instance),
          ...(instance.error ? { detail: `${instance.error.code}: ${instance.error.reason}` } : {}),
        });
      } else if (instance.status === 'failed' && before && WAS_UP.has(before.status)) {
        // A project that was up and is now failed is down too.
        if (!queue.incidents[instance.id]) {
          queue.incidents[instance.id] = { since: now, notified: false, tried: [] };
        }
      }
      if (instance.needsAttention && !before?.needsAttention) {
        const open = queue.incidents[instance.id];
        if (open) open.needsAttention = true;
        events.push({
          kind: 'project.needs-attention',
          key: `needs-attention:${instance.id}:${open?.since ?? now}`,
          at: now,
          since: open?.since ?? now,
          ...projectFields(instance),
          ...(downServices(instance) ? { detail: downServices(instance) } : {}),
          ...(open?.tried.length ? { tried: [...open.tried] } : {}),
        });
      }
      return events;
    });
  }

  private onRepaired(id: string, result: RepairResult): Promise<void> {
    const instance = this.deps.instances().find((i) => i.id === id);
    return this.deps.commit((queue) => {
      const incident = queue.incidents[id];
      const line = describeRepair(result);
      if (incident) incident.tried = [...incident.tried, line].slice(-MAX_TRIED);
      if (!instance || !result.after || result.after.status === 'fail') return [];
      const now = this.iso();
      return [
        {
          kind: 'repair.done',
          key: `repair.done:${id}:${result.after.at}`,
          at: now,
          ...(incident ? { since: incident.since } : {}),
          ...projectFields(instance),
          tried: incident ? [...incident.tried] : [line],
        },
      ];
    });
  }

  private recovered(instance: Instance, incident: AlertIncident): AlertEvent {
    const now = this.deps.now();
    return {
      kind: 'project.recovered',
      key: `recovered:${instance.id}:${incident.since}`,
      at: new Date(now).toISOString(),
      since: incident.since,
      ...projectFields(instance),
      ...(incident.tried.length ? { tried: [...incident.tried] } : {}),
      facts: { downtimeSeconds: Math.round((now - Date.parse(incident.since)) / 1000) },
    };
  }

  /** Projects degraded for longer than the setting are down: notified once per incident. */
  async tick(): Promise<void> {
    const now = this.deps.now();
    const after = this.deps.settings().downAfterSeconds * 1000;
    const instances = this.deps.instances();
    await this.deps.commit((queue) => {
      const events: AlertEvent[] = [];
      for (const [id, incident] of Object.entries(queue.incidents)) {
        if (incident.notified || now - Date.parse(incident.since) < after) continue;
        const instance = instances.find((i) => i.id === id);
        if (!instance || !(BAD.has(instance.status) || instance.status === 'failed')) continue;
        incident.notified = true;
        const detail = downServices(instance);
        events.push({
          kind: 'project.down',
          key: `down:${id}:${incident.since}`,
          at: new Date(now).toISOString(),
          since: incident.since,
          ...projectFields(instance),
          ...(detail ? { detail } : {}),
          ...(incident.tried.length ? { tried: [...incident.tried] } : {}),
        });
      }
      return events;
    });
  }

  /** Disk and memory against the thresholds; an alarm is raised once and re-armed when clear. */
  async checkHost(host: HostReadings): Promise<void> {
    const settings = this.deps.settings();
    const diskFree = host.diskTotalMb > 0 ? (host.diskFreeMb / host.diskTotalMb) * 100 : 100;
    const memFree =
      host.memoryTotalMb > 0 ? (host.memoryAvailableMb / host.memoryTotalMb) * 100 : 100;
    await this.deps.commit((queue) => {
      const events: AlertEvent[] = [];
      const now = this.iso();
      const check = (
        which: 'disk' | 'memory',
        free: number,
        threshold: number,
        facts: Record<string, number>,
      ) => {
        const raised = queue.hostAlarms[which];
        if (free < threshold && !raised) {
          queue.hostAlarms[which] = now;
          events.push({
            kind: which === 'disk' ? 'host.disk' : 'host.memory',
            key: `host.${which}:${now}`,
            at: now,
            since: now,
            facts: { freePercent: Math.round(free * 10) / 10, ...facts },
          });
        } else if (raised && free >= threshold + 2) {
          // Two points of hysteresis: a value hovering at the line is one alarm, not many.
          delete queue.hostAlarms[which];
        }
      };
      check('disk', diskFree, settings.diskFreePercent, {
        freeMb: host.diskFreeMb,
        totalMb: host.diskTotalMb,
      });
      check('memory', memFree, settings.memoryFreePercent, {
        availableMb: host.memoryAvailableMb,
        totalMb: host.memoryTotalMb,
      });
      return events;
    });
  }
}
