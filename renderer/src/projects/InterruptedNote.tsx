import { useTranslation } from 'react-i18next';
import type { ProjectView } from '@contract/api';

/**
 * What the agent's start-up recovery did with an operation it was cut off in (a crash, a
 * reboot): "The creation was interrupted at step “start” and rolled back." The agent's own
 * sentence (English, with the details) is the tooltip.
 */
export function InterruptedNote({
  project,
  className = '',
}: {
  project: Pick<ProjectView, 'lastOperation'>;
  className?: string;
}) {
  const { t } = useTranslation();
  const op = project.lastOperation;
  if (!op) return null;
  const step = t(`interrupted.step.${op.step}` as 'interrupted.step.start', {
    defaultValue: op.step,
  });
  const tone =
    op.outcome === 'failed'
      ? 'border-red-500/40 bg-red-500/10 text-danger'
      : 'border-amber-500/40 bg-amber-500/10 text-warn';
  return (
    <p
      role="status"
      data-testid="interrupted-operation"
      title={op.message}
      className={`rounded border px-2 py-1 text-[11px] ${tone} ${className}`}
    >
      {t(`interrupted.${op.outcome}`, { operation: t(`interrupted.kind.${op.kind}`), step })}
    </p>
  );
}
