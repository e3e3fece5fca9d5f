import type { InstanceSecrets } from '../../credentials/secrets';
import { readServiceStates } from '../../lifecycle/status';
import type { Instance, ServiceState } from '@protocol/types';
import { STACK_SERVICES } from '../../stack/services';
import { readNetworkFacts, type NetworkFacts } from '../stack-facts';
import type { DiagnoseDeps } from '../types';

/**
 * What several checks need, each read once, up front. Read failures surface inside the checks
 * that need them, each with its own sentence.
 */
export interface DiagnosisFacts {
  instance: Instance;
  deps: DiagnoseDeps;
  secrets: Promise<InstanceSecrets>;
  states: Promise<ServiceState[]>;
  network: Promise<NetworkFacts>;
}

export function readDiagnosisFacts(instance: Instance, deps: DiagnoseDeps): DiagnosisFacts {
  const facts: DiagnosisFacts = {
    instance,
    deps,
    secrets: deps.readSecrets(instance.id),
    states: readServiceStates(deps.engine, instance.project, deps.expectedServices),
    network: readNetworkFacts(deps.engine, instance.project),
  };
  for (const p of [facts.secrets, facts.states, facts.network]) p.catch(() => undefined);
  return facts;
}

/** The address of a service's container on the instance network, if it has one. */
export async function containerAddress(
  facts: DiagnosisFacts,
  service: string,
): Promise<string | undefined> {
  return (await facts.network).containers.find((c) => c.service === service)?.ip;
}

export function titleOf(service: string): string {
  return STACK_SERVICES.find((s) => s.name === service)?.title ?? service;
}

export function snippet(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

export function message(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return 'cancelled at the deadline';
  return e instanceof Error ? e.message : String(err);
}
