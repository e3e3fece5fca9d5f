import { useState } from 'react';
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
        title="The server's host key has changed"
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
              Trust the new key
            </Button>
            <Button variant="primary" onClick={dismiss} autoFocus>
              Keep disconnected
            </Button>
          </>
        }
      >
        <div className="flex flex-col gap-3">
          <p
            role="alert"
            className="rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-danger"
          >
            <strong>{server?.name ?? 'This server'}</strong> ({server?.host}) presented a different
            key than the one you trusted. Ultrabase did not connect. This happens when a server is
            reinstalled, or when someone intercepts the connection.
          </p>
          <Fingerprint label="Trusted key (expected)" value={alert.expected} />
          <Fingerprint label="Key presented now" value={alert.actual} />
          <p className="text-xs text-muted">
            Ask whoever runs the server for its current fingerprint (
            <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>) and compare it with the
            new key above.
          </p>
          <label className="flex items-center gap-2 text-xs">
            <input
              type="checkbox"
              checked={confirmedChange}
              onChange={(e) => setConfirmedChange(e.target.checked)}
            />
            I have verified the new fingerprint with the server's administrator.
          </label>
        </div>
      </Dialog>
    );
  }

  if (prompt) {
    const server = servers.find((s) => s.id === prompt.serverId);
    return (
      <Dialog
        title="Trust this server?"
        onClose={dismiss}
        testId="host-key-prompt"
        footer={
          <>
            <Button onClick={dismiss}>Cancel</Button>
            <Button
              variant="primary"
              onClick={() => void trust(prompt.serverId, prompt.info.fingerprint)}
            >
              Trust and connect
            </Button>
          </>
        }
      >
        <div className="flex flex-col gap-3">
          <p>
            This is the first connection to <strong>{server?.name}</strong> at{' '}
            <code className="font-mono">
              {prompt.info.host}:{prompt.info.port}
            </code>
            . Check that the fingerprint below matches the server's before you trust it.
          </p>
          <Fingerprint
            label={`${prompt.info.algorithm} key fingerprint`}
            value={prompt.info.fingerprint}
          />
        </div>
      </Dialog>
    );
  }
  return null;
}
