import { hasProbe, STACK_SERVICES, type ServiceProbe } from '../../stack/services';
import type { CheckOutcome, CheckSpec } from '../run';
import { containerAddress, message, snippet, type DiagnosisFacts } from './facts';

/** Each service's own HTTP endpoint on the instance network, past Kong. */
export function directChecks(facts: DiagnosisFacts): CheckSpec[] {
  const expected = new Set(facts.deps.expectedServices);
  return STACK_SERVICES.filter(hasProbe)
    .filter((s) => expected.has(s.name))
    .map((s) => probeCheck(facts, s.name, s.title, s.probe));
}

function probeCheck(
  facts: DiagnosisFacts,
  service: string,
  title: string,
  probe: ServiceProbe,
): CheckSpec {
  return {
    id: `direct.${service}`,
    title: `${title} (direct)`,
    service,
    run: async (signal): Promise<CheckOutcome> => {
      const ip = await containerAddress(facts, service);
      if (!ip) {
        return {
          status: 'fail',
          evidence: 'No address on the instance network (container missing, stopped or detached).',
          fix: 'Run a repair.',
        };
      }
      const url = `http://${ip}:${probe.port}${probe.path}`;
      try {
        const res = await facts.deps.http(url, { signal });
        // Any HTTP answer means the process is up; a 5xx says it is up but unwell.
        if (res.status >= 500) {
          return {
            status: 'warn',
            evidence: `${probe.path} → ${res.status} ${snippet(res.body)}`,
            fix: 'Read this service’s logs.',
          };
        }
        return { status: 'ok', evidence: `${probe.path} → ${res.status}` };
      } catch (err) {
        return {
          status: 'fail',
          evidence: `${url}: ${message(err)}`,
          fix: 'The process does not answer: a repair restarts it.',
        };
      }
    },
  };
}
