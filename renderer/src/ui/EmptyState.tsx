import type { ReactNode } from 'react';

export function EmptyState({
  title,
  body,
  action,
  icon = '◇',
}: {
  title: string;
  body: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-3 py-16 text-center">
      <div className="flex size-12 items-center justify-center rounded-xl border border-line bg-panel text-xl text-brand">
        {icon}
      </div>
      <h3 className="text-[15px] font-semibold">{title}</h3>
      <div className="text-muted">{body}</div>
      {action}
    </div>
  );
}
