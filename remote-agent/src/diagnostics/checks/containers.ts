import { judgeContainer } from '../containers';
import type { CheckSpec } from '../run';
import { titleOf, type DiagnosisFacts } from './facts';

/** One check per container, from Docker's view; one failed check when Docker does not answer. */
export async function containerChecks(facts: DiagnosisFacts): Promise<CheckSpec[]> {
  const states = await facts.states.catch((err: unknown) => err as Error);
  if (states instanceof Error) {
    return [
      {
        id: 'docker',
        title: 'Docker engine',
        run: () =>
          Promise.resolve({
            status: 'fail',
            evidence: `Docker does not answer: ${states.message}`,
            fix: 'Start Docker (systemctl start docker), then diagnose again.',
          }),
      },
    ];
  }
  const known = new Set(facts.deps.expectedServices);
  return states.map((s) => ({
    id: `container.${s.service}`,
    title: `${titleOf(s.service)} container`,
    service: s.service,
    run: () =>
      Promise.resolve(
        known.has(s.service)
          ? judgeContainer(s)
          : {
              status: 'warn' as const,
              evidence: `A container for "${s.service}", which the stack does not define.`,
              fix: 'Run a repair: "compose up --remove-orphans" removes it.',
            },
      ),
  }));
}

export function networkCheck(facts: DiagnosisFacts): CheckSpec {
  return {
    id: 'network',
    title: 'Instance network',
    run: async () => {
      const network = await facts.network;
      if (!network.present) {
        return {
          status: 'fail',
          evidence:
            'The instance’s Docker network does not exist: its services cannot reach each other.',
          fix: 'Run a repair: it recreates the network and reattaches every container.',
        };
      }
      if (network.detached.length > 0) {
        return {
          status: 'fail',
          evidence: `Running but not attached to the instance network: ${network.detached.join(', ')}.`,
          fix: 'Run a repair: it recreates those containers on the network.',
        };
      }
      return { status: 'ok', evidence: `${network.containers.length} containers attached.` };
    },
  };
}
