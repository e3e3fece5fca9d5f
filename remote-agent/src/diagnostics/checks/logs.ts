import { secretValues } from '../../credentials/secrets';
import { judgeLogLines } from '../log-scan';
import type { CheckSpec } from '../run';
import { readLogTail } from '../stack-facts';
import { titleOf, type DiagnosisFacts } from './facts';

/** Error lines among each container's last log lines, secrets masked. */
export async function logChecks(facts: DiagnosisFacts): Promise<CheckSpec[]> {
  const network = await facts.network.catch(() => undefined);
  if (!network) return [];
  return network.containers.map((c) => ({
    id: `logs.${c.service}`,
    title: `${titleOf(c.service)} log`,
    service: c.service,
    run: async (signal) => {
      const secrets = await facts.secrets.catch(() => undefined);
      const lines = await readLogTail(facts.deps.engine, c, facts.deps.logTail, signal);
      return judgeLogLines(lines, secrets ? secretValues(secrets) : []);
    },
  }));
}
