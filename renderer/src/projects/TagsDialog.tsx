import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProjectView } from '@contract/api';
import { checkTags } from '@protocol/tags';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { inputBase } from '../ui/Field';

/** Splits what the person typed: one tag per line or comma. */
export function parseTagInput(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Edits a project's tags; the agent stores them, so every staff member sees the change. */
export function TagsDialog({ project, onClose }: { project: ProjectView; onClose: () => void }) {
  const { t } = useTranslation();
  const api = useApp((s) => s.api);
  const upsert = useApp((s) => s.upsertProject);
  const toast = useApp((s) => s.toast);
  const [text, setText] = useState((project.tags ?? []).join('\n'));
  const [busy, setBusy] = useState(false);
  const check = checkTags(parseTagInput(text));
  const problem = check.ok ? undefined : t('fleet.tags.invalid', { tag: check.tag ?? '' });

  async function save() {
    if (!check.ok) return;
    setBusy(true);
    try {
      upsert(await api.setProjectTags(project.serverId, project.id, check.tags));
      toast({ kind: 'success', title: t('fleet.tags.saved', { name: project.name }) });
      onClose();
    } catch (raw) {
      toast({ kind: 'error', title: t('fleet.tags.failed'), body: errorText(toApiError(raw)) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={t('fleet.tags.editTitle', { name: project.name })}
      onClose={onClose}
      testId="tags-dialog"
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" busy={busy} disabled={!check.ok} onClick={() => void save()}>
            {t('fleet.tags.save')}
          </Button>
        </>
      }
    >
      <label className="flex flex-col gap-1.5 text-xs">
        <span className="font-medium">{t('fleet.tags.label')}</span>
        <textarea
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={5}
          autoFocus
          spellCheck={false}
          aria-invalid={problem !== undefined}
          aria-describedby="tags-help"
          className={`${inputBase} w-full py-1.5 font-mono`}
        />
        <span id="tags-help" className={problem ? 'text-danger' : 'text-muted'}>
          {problem ?? t('fleet.tags.help')}
        </span>
      </label>
    </Dialog>
  );
}

/** A project's tags as small chips; a click filters the list by that tag. */
export function TagChips({
  tags,
  onPick,
}: {
  tags: readonly string[] | undefined;
  onPick?: (tag: string) => void;
}) {
  if (!tags || tags.length === 0) return null;
  return (
    // One line, never taller than a table row (the virtualiser counts on 36 px); all in the title.
    <span
      className="inline-flex min-w-0 flex-nowrap gap-1 overflow-hidden"
      title={tags.join(', ')}
      data-testid="tag-chips"
    >
      {tags.map((tag) => (
        <button
          key={tag}
          type="button"
          onClick={onPick ? () => onPick(tag) : undefined}
          className="max-w-[12rem] shrink-0 truncate rounded border border-line px-1.5 py-px text-[11px] leading-4 text-muted hover:text-fg"
        >
          {tag}
        </button>
      ))}
    </span>
  );
}
