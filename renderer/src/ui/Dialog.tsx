import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A modal on the native <dialog>: the browser traps focus, restores it on close and handles
 * Escape, which is most of what keyboard users need from a modal.
 */
export function Dialog({
  title,
  onClose,
  children,
  footer,
  width = 'w-[520px]',
  dismissable = true,
  testId,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  width?: string;
  /** A blocking warning cannot be waved away with Escape or a backdrop click. */
  dismissable?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      data-testid={testId}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        if (dismissable) onClose();
      }}
      className={`m-auto max-h-[90vh] max-w-[94vw] overflow-hidden rounded-lg border border-line bg-panel p-0 text-fg shadow-2xl ${width}`}
    >
      <div className="flex max-h-[90vh] flex-col">
        <header className="flex items-center justify-between border-b border-line px-5 py-3">
          <h2 id="dialog-title" className="text-[15px] font-semibold">
            {title}
          </h2>
          {dismissable && (
            <button
              type="button"
              aria-label={t('common.close')}
              onClick={onClose}
              className="rounded p-1 text-muted hover:bg-raised hover:text-fg"
            >
              ✕
            </button>
          )}
        </header>
        <div className="min-h-0 flex-1 overflow-auto px-5 py-4">{children}</div>
        {footer && (
          <footer className="flex justify-end gap-2 border-t border-line bg-raised/50 px-5 py-3">
            {footer}
          </footer>
        )}
      </div>
    </dialog>
  );
}
