import type { AlertEvent, AlertRule } from '@protocol/alerts';
import type { StoredChannel } from './types';

function ruleMatches(rule: AlertRule, event: AlertEvent): boolean {
  if (!rule.events.includes(event.kind)) return false;
  // A rule narrowed to projects or tags never matches server-wide events (disk, agent).
  if (rule.projects && (!event.instanceId || !rule.projects.includes(event.instanceId))) {
    return false;
  }
  if (rule.tags && !(event.tags ?? []).some((t) => rule.tags!.includes(t))) return false;
  return true;
}

/** The enabled channels that the rules route this event to (each once). */
export function channelsFor(
  event: AlertEvent,
  rules: readonly AlertRule[],
  channels: readonly StoredChannel[],
): string[] {
  const enabled = channels.filter((c) => c.enabled);
  const out = new Set<string>();
  for (const rule of rules) {
    if (!ruleMatches(rule, event)) continue;
    for (const target of rule.channels) {
      for (const c of enabled) if (target === '*' || target === c.id) out.add(c.id);
    }
  }
  return [...out];
}
