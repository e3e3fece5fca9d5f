import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/error-messages';
import { toApiError } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';

export function RemoveServerDialog({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const server = useApp((s) => s.servers.find((x) => x.id === serverId));
  const closeDialog = useApp((s) => s.closeDialog);
  const removeServer = useApp((s) => s.removeServer);
  const toast = useApp((s) => s.toast);
  const [busy, setBusy] = useState(false);
  async function remove() {
    setBusy(true);
    try {
      await removeServer(serverId);
      closeDialog();
    } catch (raw) {
      toast({ kind: 'error', title: t('removeServer.failed'), body: errorText(toApiError(raw)) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog
      title={t('removeServer.title', { name: server?.name ?? t('removeServer.fallbackName') })}
      onClose={closeDialog}
      footer={
        <>
          <Button onClick={closeDialog}>{t('common.cancel')}</Button>
          <Button variant="danger" busy={busy} onClick={() => void remove()}>
            {t('common.remove')}
          </Button>
        </>
      }
    >
      <p>{t('removeServer.body')}</p>
    </Dialog>
  );
}
