import { useState } from 'react';
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
  const project = useApp((s) => s.projects[projectKey(serverId, instanceId)]);
  const closeDialog = useApp((s) => s.closeDialog);
  const run = useApp((s) => s.runProjectAction);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const name = project?.name ?? instanceId;
  return (
    <Dialog
      title={`Delete ${name}?`}
      onClose={closeDialog}
      testId="delete-dialog"
      footer={
        <>
          <Button onClick={closeDialog}>Cancel</Button>
          <Button
            variant="danger"
            busy={busy}
            disabled={typed !== name}
            onClick={async () => {
              setBusy(true);
              closeDialog();
              await run(serverId, instanceId, 'delete');
            }}
          >
            Delete project
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        <p>
          This removes every container, the network, the database and the stored files of{' '}
          <strong>{name}</strong> on {project?.serverName}, and frees its ports. It cannot be
          undone.
        </p>
        <Field
          label={`Type ${name} to confirm`}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoFocus
          autoComplete="off"
        />
      </div>
    </Dialog>
  );
}
