import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/**
 * Inputs without a size, for callers that set their own: adding `w-24` to a class list that
 * already has `w-full` does not work (the stylesheet's order decides, and w-full won).
 * No `focus:outline-none`: the global 2-px :focus-visible ring stays visible (WCAG 2.4.7).
 */
export const inputBase =
  'rounded-md border border-line bg-bg px-2.5 text-[13px] text-fg placeholder:text-muted focus:border-brand aria-[invalid=true]:border-danger';
export const inputClass = `${inputBase} h-8 w-full`;

/** A labelled input with its hint or its problem underneath, announced to screen readers. */
export function Field({
  label,
  hint,
  problem,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & {
  label: ReactNode;
  hint?: ReactNode;
  problem?: string | null;
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-muted">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-note`}
        className={inputClass}
        {...input}
      />
      <p
        id={`${id}-note`}
        role={problem ? 'alert' : undefined}
        className={`min-h-4 text-xs ${problem ? 'text-danger' : 'text-muted'}`}
      >
        {problem ?? hint}
      </p>
    </div>
  );
}

export function Select({
  label,
  value,
  onChange,
  options,
}: {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-muted">
        {label}
      </label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className={inputClass}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
