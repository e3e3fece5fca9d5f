import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../app/store';
import type { Toast } from './toastSlice';

const ACCENT = {
  success: 'border-l-emerald-500',
  error: 'border-l-red-500',
  info: 'border-l-sky-500',
};

function ToastItem({ toast }: { toast: Toast }) {
  const { t } = useTranslation();
  const dismiss = useApp((s) => s.dismissToast);
  useEffect(() => {
    // Errors stay longer: they usually say what to do next.
    const t = setTimeout(() => dismiss(toast.id), toast.kind === 'error' ? 12_000 : 5_000);
    return () => clearTimeout(t);
  }, [dismiss, toast.id, toast.kind]);
  return (
    <div
      role={toast.kind === 'error' ? 'alert' : 'status'}
      data-testid="toast"
      className={`pointer-events-auto w-80 rounded-md border border-l-4 border-line bg-panel px-3 py-2 shadow-lg ${ACCENT[toast.kind]}`}
    >
      <div className="flex items-start justify-between gap-2">
        <p className="font-medium">{toast.title}</p>
        <button
          type="button"
          aria-label={t('common.dismiss')}
          onClick={() => dismiss(toast.id)}
          className="text-muted hover:text-fg"
        >
          ✕
        </button>
      </div>
      {toast.body && <p className="mt-0.5 text-xs text-muted">{toast.body}</p>}
    </div>
  );
}

export function Toaster() {
  const toasts = useApp((s) => s.toasts);
  return (
    <div className="pointer-events-none fixed right-4 bottom-4 z-50 flex flex-col gap-2">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  );
}
