import { useState } from 'react';

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label={label}
      onClick={() => {
        void navigator.clipboard
          ?.writeText(value)
          .then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1200);
          })
          .catch(() => undefined);
      }}
      className="rounded px-1.5 py-0.5 text-xs text-muted hover:bg-raised hover:text-fg"
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}
