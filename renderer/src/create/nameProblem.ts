import { INSTANCE_NAME_MAX, instanceNameProblem } from '@protocol/validation';
import { t } from '../i18n/i18n';

/**
 * The agent's own rule decides (shared code, so the feedback as you type matches what the agent
 * will accept); only the sentence is the catalogue's, in the UI language.
 */
export function nameProblem(name: string): string | null {
  if (instanceNameProblem(name) === null) return null;
  if (name.length === 0) return t('create.nameRules.empty');
  if (name.length > INSTANCE_NAME_MAX)
    return t('create.nameRules.tooLong', { length: name.length, max: INSTANCE_NAME_MAX });
  if (name.trim() !== name) return t('create.nameRules.spaces');
  return t('create.nameRules.characters');
}
