import { useTranslation } from 'react-i18next';
import { useApp } from './store';
import { Dialog } from '../ui/Dialog';

const KEYS = [
  ['/', 'search'],
  ['Ctrl+N', 'newProject'],
  ['↑ ↓', 'move'],
  ['Enter', 'open'],
  ['?', 'help'],
] as const;

/** What `?` shows: every keyboard shortcut, so they can be found without reading docs. */
export function ShortcutsDialog() {
  const { t } = useTranslation();
  const close = useApp((s) => s.closeDialog);
  return (
    <Dialog title={t('shortcuts.title')} onClose={close} testId="shortcuts-dialog">
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2">
        {KEYS.map(([key, what]) => (
          <div key={key} className="contents">
            <dt>
              <kbd className="rounded border border-line bg-bg px-1.5 py-0.5 font-mono text-xs">
                {key}
              </kbd>
            </dt>
            <dd>{t(`shortcuts.${what}`)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
