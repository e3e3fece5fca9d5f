import { useState } from 'react';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';

export function RemoveServerDialog({ serverId }: { serverId: string }) {
  const server = useApp((s) => s.servers.find((x) => x.id === serverId));
  const closeDialog = useApp((s) => s.closeDialog);
  const removeServer = useApp((s) => s.removeServer);
  const toast = useApp((s) => s.toast);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog
      title={`Remove ${server?.name ?? 'server'}?`}
      onClose={closeDialog}
      footer={
        <>
          <Button onClick={closeDialog}>Cancel</Button>
          <Button
            variant="danger"
            busy={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await removeServer(serverId);
                closeDialog();
              } catch (raw) {
                toast({
                  kind: 'error',
                  title: 'Could not remove the server',
                  body: toApiError(raw).message,
                });
              } finally {
                setBusy(false);
              }
            }}
          >
            Remove
          </Button>
        </>
      }
    >
      <p>
        Ultrabase forgets this server's profile, pinned key and stored secrets. The agent and every
        project on the server keep running; add the server again to manage them.
      </p>
    </Dialog>
  );
}
