import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';

function Fingerprint({ value, label }: { value: string; label: string }) {
  return (
    <div className="flex flex-col gap-1">
      <span className="text-xs text-muted">{label}</span>
      <code
        data-testid="fingerprint"
        className="rounded-md border border-line bg-bg px-3 py-2 font-mono text-[12px] break-all select-all"
      >
        {value}
      </code>
    </div>
  );
}

/**
 * Trust on first use: the person compares the fingerprint with the server's own
 * (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`) before anything is sent to it.
 * A changed key blocks: it is either a reinstalled server or someone in the middle.
 */
export function HostKeyDialogs() {
  const { t } = useTranslation();
  const prompt = useApp((s) => s.hostKeyPrompt);
  const alert = useApp((s) => s.hostKeyAlert);
  const servers = useApp((s) => s.servers);
  const trust = useApp((s) => s.trustHostKey);
  const dismiss = useApp((s) => s.dismissHostKey);
  const [confirmedChange, setConfirmedChange] = useState(false);

  if (alert) {
    const server = servers.find((s) => s.id === alert.serverId);
    return (
      <Dialog
        title={t('hostKey.changedTitle')}
        onClose={dismiss}
        dismissable={false}
        testId="host-key-changed"
        width="w-[600px]"
        footer={
          <>
            <Button
              variant="danger"
              disabled={!confirmedChange}
              onClick={() => void trust(alert.serverId, alert.actual)}
            >
              {t('hostKey.trustNew')}
            </Button>
            <Button variant="primary" onClick={dismiss} autoFocus>
              {t('hostKey.keepDisconnected')}
            </Button>
          </>
        }
      >
        <div className="flex flex-col gap-3">
          <p
            role="alert"
            className="rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-danger"
          >
            <Trans
              i18nKey="hostKey.changedBody"
              values={{ name: server?.name ?? t('hostKey.thisServer'), host: server?.host ?? '' }}
              components={{ strong: <strong /> }}
            />
          </p>
          <Fingerprint label={t('hostKey.expected')} value={alert.expected} />
          <Fingerprint label={t('hostKey.presented')} value={alert.actual} />
          <p className="text-xs text-muted">
            <Trans i18nKey="hostKey.askAdmin" components={{ code: <code /> }} />
          </p>
          <label className="flex items-center gap-2 text-xs">
            <input
              type="checkbox"
              checked={confirmedChange}
              onChange={(e) => setConfirmedChange(e.target.checked)}
            />
            {t('hostKey.verified')}
          </label>
        </div>
      </Dialog>
    );
  }

  if (prompt) {
    const server = servers.find((s) => s.id === prompt.serverId);
    return (
      <Dialog
        title={t('hostKey.trustTitle')}
        onClose={dismiss}
        testId="host-key-prompt"
        footer={
          <>
            <Button onClick={dismiss}>{t('common.cancel')}</Button>
            <Button
              variant="primary"
              onClick={() => void trust(prompt.serverId, prompt.info.fingerprint)}
            >
              {t('hostKey.trustAndConnect')}
            </Button>
          </>
        }
      >
        <div className="flex flex-col gap-3">
          <p>
            <Trans
              i18nKey="hostKey.firstConnection"
              values={{
                name: server?.name ?? '',
                address: `${prompt.info.host}:${prompt.info.port}`,
              }}
              components={{ strong: <strong />, code: <code className="font-mono" /> }}
            />
          </p>
          <Fingerprint
            label={t('hostKey.fingerprintLabel', { algorithm: prompt.info.algorithm })}
            value={prompt.info.fingerprint}
          />
        </div>
      </Dialog>
    );
  }
  return null;
}
