import type { Slice } from '../app/store';

export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: string;
}

export interface ToastSlice {
  toasts: Toast[];
  toast(toast: Omit<Toast, 'id'>): number;
  dismissToast(id: number): void;
}

/** Keeps the stack short: long operations finishing together should not bury the screen. */
const MAX_TOASTS = 4;
let nextToastId = 1;

export const createToastSlice: Slice<ToastSlice> = (set, get) => ({
  toasts: [],
  toast(toast) {
    // One event can arrive twice (a manual repair's reply and its pushed event): show it once.
    const same = get().toasts.find(
      (t) => t.kind === toast.kind && t.title === toast.title && t.body === toast.body,
    );
    if (same) return same.id;
    const id = nextToastId++;
    set((s) => ({ toasts: [...s.toasts, { ...toast, id }].slice(-MAX_TOASTS) }));
    return id;
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
});
