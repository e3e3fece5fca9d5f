import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { projectKey } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { Field } from '../ui/Field';

/** Deleting removes data for good, so the person types the project's name to confirm. */
export function DeleteProjectDialog({
  serverId,
  instanceId,
}: {
  serverId: string;
  instanceId: string;
}) {
  const { t } = useTranslation();
  const project = useApp((s) => s.projects[projectKey(serverId, instanceId)]);
  const closeDialog = useApp((s) => s.closeDialog);
  const run = useApp((s) => s.runProjectAction);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const name = project?.name ?? instanceId;
  return (
    <Dialog
      title={t('deleteProject.title', { name })}
      onClose={closeDialog}
      testId="delete-dialog"
      footer={
        <>
          <Button onClick={closeDialog}>{t('common.cancel')}</Button>
          <Button
            variant="danger"
            busy={busy}
            disabled={typed !== name}
            onClick={() => {
              setBusy(true);
              closeDialog();
              void run(serverId, instanceId, 'delete');
            }}
          >
            {t('deleteProject.confirm')}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        <p>
          <Trans
            i18nKey="deleteProject.body"
            values={{ name, server: project?.serverName ?? '' }}
            components={{ strong: <strong /> }}
          />
        </p>
        <Field
          label={t('deleteProject.typeToConfirm', { name })}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoFocus
          autoComplete="off"
        />
      </div>
    </Dialog>
  );
}
