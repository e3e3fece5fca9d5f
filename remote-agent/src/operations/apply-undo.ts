import type { InstanceSecrets } from '../credentials/secrets';
import type { Instance } from '@protocol/types';

/** Undo data an apply journals before it changes anything (see lifecycle/apply.ts). */
export interface ApplyUndo {
  /** The registry fields the change replaces, as they were; `cleared`: fields that were absent. */
  fields: Partial<Instance>;
  cleared: string[];
  /** The secrets as they were, only when the change replaces them (a rotation). */
  secrets?: InstanceSecrets;
  services: string[];
  live: boolean;
  /** The change runs work on the live database (a password rotation) before recreating. */
  touchesDatabase: boolean;
}

/** What `apply` journals: the old facts, from the current and the next ones. */
export function applyUndo(
  current: { instance: Instance; secrets: InstanceSecrets },
  next: { instance: Instance; secrets: InstanceSecrets },
  plan: { services: string[]; live: boolean; touchesDatabase: boolean },
): ApplyUndo {
  const fields: Record<string, unknown> = {};
  const cleared: string[] = [];
  const keys = new Set([...Object.keys(current.instance), ...Object.keys(next.instance)]);
  for (const key of keys as Set<keyof Instance>) {
    const was = current.instance[key];
    if (JSON.stringify(was) === JSON.stringify(next.instance[key])) continue;
    if (was === undefined) cleared.push(key);
    else fields[key] = was;
  }
  const secretsChange = JSON.stringify(current.secrets) !== JSON.stringify(next.secrets);
  return {
    fields: fields as Partial<Instance>,
    cleared,
    ...(secretsChange ? { secrets: current.secrets } : {}),
    ...plan,
  };
}
