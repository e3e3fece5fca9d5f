import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Copies a value, or one produced on click (a private project's address needs its tunnel
 * opened first). A failure to produce it goes to `onError`; nothing is copied then.
 */
export function CopyButton({
  value,
  label,
  text,
  onError,
}: {
  value: string | (() => Promise<string>);
  label?: string;
  /** The visible word, when "Copy" alone would not say what is copied. */
  text?: string;
  onError?: (error: unknown) => void;
}) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label={label ?? t('common.copy')}
      onClick={() => {
        void (typeof value === 'string' ? Promise.resolve(value) : value())
          .then((text) => navigator.clipboard?.writeText(text))
          .then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1200);
          })
          .catch((error: unknown) => onError?.(error));
      }}
      className="rounded px-1.5 py-0.5 text-xs text-muted hover:bg-raised hover:text-fg"
    >
      {copied ? t('common.copied') : (text ?? t('common.copy'))}
    </button>
  );
}
