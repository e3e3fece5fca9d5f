import type { DesktopEvent, ProjectView } from '@contract/api';
import type { InstanceStatus } from '@protocol/types';
import { drillFailed } from '@protocol/backups';

/** A desktop notification main should show; `urgent` ones are shown even when focused. */
export interface Notice {
  kind: 'finished' | 'failed' | 'repaired' | 'attention';
  title: string;
  body: string;
  /** Focused windows already show a toast for finished work; failures are shown regardless. */
  urgent: boolean;
  serverId: string;
  instanceId: string;
}

interface Known {
  name: string;
  serverName: string;
  status: InstanceStatus;
  needsAttention: boolean;
  /** The last restore drill failed (kept until one passes, apart from health). */
  drillFailed: boolean;
}

/** Statuses a person should look at; counted on the tray/dock badge. */
const UNHEALTHY: ReadonlySet<InstanceStatus> = new Set(['failed', 'degraded']);

/** Which transitions end a long operation, and how to say so. */
const FINISHED: ReadonlyArray<{
  from: ReadonlySet<InstanceStatus>;
  to: InstanceStatus;
  verb: string;
}> = [
  { from: new Set(['queued', 'creating']), to: 'running', verb: 'is ready' },
  { from: new Set(['starting']), to: 'running', verb: 'has started' },
  { from: new Set(['restarting']), to: 'running', verb: 'has restarted' },
  { from: new Set(['stopping']), to: 'stopped', verb: 'has stopped' },
];

/**
 * Follows the projects of every server from the core's events and turns status transitions
 * into notices, and the current set into the count of unhealthy projects. The first sighting
 * of a project (a server just connected, the app just started) is a baseline, never a notice:
 * otherwise every launch would announce each already-failed project again.
 */
export class ProjectWatch {
  private readonly projects = new Map<string, Known>();

  seed(projects: readonly ProjectView[]): void {
    for (const project of projects) this.projects.set(keyOf(project), known(project));
  }

  apply(event: DesktopEvent): Notice[] {
    switch (event.type) {
      case 'project.changed':
        return this.changed(event.project);
      case 'project.deleted': {
        const key = `${event.serverId}/${event.instanceId}`;
        const before = this.projects.get(key);
        this.projects.delete(key);
        if (before?.status !== 'deleting') return [];
        return [
          notice('finished', `${before.name} was deleted`, `on ${before.serverName}`, {
            serverId: event.serverId,
            instanceId: event.instanceId,
          }),
        ];
      }
      case 'server.removed':
        for (const key of [...this.projects.keys()]) {
          if (key.startsWith(`${event.serverId}/`)) this.projects.delete(key);
        }
        return [];
      case 'project.repaired': {
        if (!event.automatic) return [];
        const project = this.projects.get(`${event.serverId}/${event.instanceId}`);
        const done = event.result.actions.filter((action) => action.done === true).length;
        if (done === 0) return [];
        const name = project?.name ?? event.instanceId;
        const actions = done === 1 ? '1 repair action' : `${done} repair actions`;
        return [
          notice('repaired', `${name} was repaired automatically`, withServer(actions, project), {
            serverId: event.serverId,
            instanceId: event.instanceId,
            urgent: true,
          }),
        ];
      }
      default:
        return [];
    }
  }

  unhealthyCount(): number {
    let count = 0;
    for (const project of this.projects.values()) {
      if (UNHEALTHY.has(project.status) || project.needsAttention || project.drillFailed)
        count += 1;
    }
    return count;
  }

  private changed(project: ProjectView): Notice[] {
    const key = keyOf(project);
    const before = this.projects.get(key);
    const now = known(project);
    this.projects.set(key, now);
    if (before === undefined) return [];
    const ids = { serverId: project.serverId, instanceId: project.id };
    const notices: Notice[] = [];
    if (now.status === 'failed' && before.status !== 'failed') {
      const reason = project.error?.reason ?? 'It stopped working.';
      notices.push(
        notice('failed', `${project.name} failed`, withServer(reason, now), {
          ...ids,
          urgent: true,
        }),
      );
    }
    for (const rule of FINISHED) {
      if (now.status === rule.to && rule.from.has(before.status)) {
        notices.push(
          notice('finished', `${project.name} ${rule.verb}`, `on ${now.serverName}`, ids),
        );
      }
    }
    if (now.needsAttention && !before.needsAttention) {
      notices.push(
        notice(
          'attention',
          `${project.name} needs attention`,
          withServer('Automatic repair gave up after repeated attempts.', now),
          { ...ids, urgent: true },
        ),
      );
    }
    return notices;
  }
}

function keyOf(project: ProjectView): string {
  return `${project.serverId}/${project.id}`;
}

function known(project: ProjectView): Known {
  return {
    name: project.name,
    serverName: project.serverName,
    status: project.status,
    needsAttention: project.needsAttention === true,
    drillFailed: drillFailed(project),
  };
}

function withServer(text: string, project: Known | undefined): string {
  return project === undefined ? text : `${text} (${project.serverName})`;
}

function notice(
  kind: Notice['kind'],
  title: string,
  body: string,
  ids: { serverId: string; instanceId: string; urgent?: boolean },
): Notice {
  return {
    kind,
    title,
    body,
    urgent: ids.urgent ?? false,
    serverId: ids.serverId,
    instanceId: ids.instanceId,
  };
}
