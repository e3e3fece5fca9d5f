import { diffStackFiles } from '../../stack/files';
import type { CheckOutcome, CheckSpec } from '../run';
import type { DiagnosisFacts } from './facts';

/** The files on disk against the rendering the registry implies. */
export function filesCheck(facts: DiagnosisFacts): CheckSpec {
  return {
    id: 'files',
    title: 'Configuration files',
    run: async (): Promise<CheckOutcome> => {
      const secrets = await facts.secrets.catch(() => undefined);
      if (!secrets) {
        return {
          status: 'fail',
          evidence:
            'The instance’s credentials file (secrets.json) is missing or damaged, so its configuration cannot be checked or re-rendered.',
          fix: 'Restore secrets.json of this instance from a backup; repair cannot invent its passwords.',
        };
      }
      const { instance, deps } = facts;
      const diffs = await diffStackFiles(
        deps.instanceDir(instance.id),
        deps.renderStack(instance, secrets),
      );
      if (diffs.length === 0) return { status: 'ok', evidence: 'Every file matches the registry.' };
      const words = { missing: 'missing', content: 'altered', mode: 'wrong permissions' };
      return {
        status: 'fail',
        evidence: diffs.map((d) => `${d.path}: ${words[d.problem]}`).join('; '),
        fix: 'Run a repair: it re-renders these files from the registry and applies them.',
      };
    },
  };
}
