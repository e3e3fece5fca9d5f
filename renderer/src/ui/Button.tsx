import type { ButtonHTMLAttributes, ReactNode } from 'react';

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger' | 'danger-ghost';

const VARIANTS: Record<Variant, string> = {
  primary: 'bg-brand text-brand-fg hover:brightness-110 border-transparent',
  secondary: 'bg-raised text-fg border-line hover:border-muted',
  ghost: 'bg-transparent text-fg border-transparent hover:bg-raised',
  danger: 'bg-danger text-danger-fg border-transparent hover:brightness-110',
  // Its own variant: a `text-danger` class added to 'ghost' lost to `text-fg` (same specificity,
  // and Tailwind's order in the stylesheet decides), so Delete looked like any other action.
  'danger-ghost': 'bg-transparent text-danger border-transparent hover:bg-danger/10',
};

export function Button({
  variant = 'secondary',
  size = 'md',
  busy = false,
  icon,
  children,
  className = '',
  disabled,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: Variant;
  size?: 'sm' | 'md';
  busy?: boolean;
  icon?: ReactNode;
}) {
  const sizing = size === 'sm' ? 'h-7 px-2 text-xs gap-1' : 'h-8 px-3 text-[13px] gap-1.5';
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={`inline-flex shrink-0 items-center justify-center rounded-md border font-medium whitespace-nowrap transition disabled:cursor-not-allowed disabled:opacity-50 ${sizing} ${VARIANTS[variant]} ${className}`}
    >
      {busy ? <Spinner /> : icon}
      {children}
    </button>
  );
}

export function Spinner({ className = '' }: { className?: string }) {
  return (
    <span
      aria-hidden
      className={`inline-block size-3.5 animate-spin rounded-full border-2 border-current border-t-transparent ${className}`}
    />
  );
}
