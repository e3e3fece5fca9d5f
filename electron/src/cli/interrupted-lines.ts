import type { ProjectView } from '@contract/api';
import { en } from './i18n/en';
import type { MessageKey, Translate } from './i18n/catalogue';

/**
 * "The creation was interrupted at step “start” and rolled back.": what the agent's start-up
 * recovery did with an operation it was cut off in, in the renderer's words
 * (renderer/src/projects/InterruptedNote.tsx). A step the catalogue does not know is named as
 * the agent wrote it.
 */
export function interruptedSentence(
  op: NonNullable<ProjectView['lastOperation']>,
  t: Translate,
): string {
  const step =
    op.step in en.interrupted.step ? t(`interrupted.step.${op.step}` as MessageKey) : op.step;
  const operation = t(`interrupted.kind.${op.kind}` as MessageKey);
  return t(`interrupted.${op.outcome}` as MessageKey, { operation, step });
}

/** The lines under a project list: one per project whose last operation was cut off. */
export function interruptedNotes(projects: readonly ProjectView[], t: Translate): string[] {
  return projects.flatMap((p) =>
    p.lastOperation ? [`${p.name}: ${interruptedSentence(p.lastOperation, t)}`] : [],
  );
}
