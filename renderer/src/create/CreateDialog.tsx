import { useMemo, useState, type FormEvent } from 'react';
import type { Exposure } from '../../../electron/src/contract/api';
import { instanceNameProblem } from '../../../remote-agent/src/protocol/validation';
import { projectKey } from '../api';
import { useApp } from '../app/store';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { Field, Select } from '../ui/Field';
import { CreationProgress } from './CreationProgress';
import { summarizeProgress } from './progressSummary';

/** Codes that explain a refusal of the whole request, with what to do about each. */
const ADVICE: Record<string, string> = {
  LIMIT_REACHED: 'Delete a project on this server or raise maxInstances in the agent config.',
  INSUFFICIENT_RESOURCES: 'Free memory or disk on the server, or pick another server.',
  PORTS_EXHAUSTED: 'Widen the port ranges in the agent config, or delete unused projects.',
  DOCKER_UNAVAILABLE: 'Start Docker on the server (systemctl start docker) and try again.',
  FORBIDDEN: 'Your account on this server may not create projects; ask an admin.',
};

export function CreateDialog({ serverId: initialServer }: { serverId?: string }) {
  const servers = useApp((s) => s.servers);
  const settings = useApp((s) => s.settings);
  const closeDialog = useApp((s) => s.closeDialog);
  const createProject = useApp((s) => s.createProject);
  const createError = useApp((s) => s.createError);
  const active = useApp((s) => s.activeCreation);
  const resetCreation = useApp((s) => s.resetCreation);
  const navigate = useApp((s) => s.navigate);
  const progress = useApp((s) =>
    active ? s.progress[projectKey(active.serverId, active.instanceId)] : undefined,
  );
  const connected = servers.filter((s) => s.state === 'connected');
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [serverId, setServerId] = useState(initialServer ?? connected[0]?.id ?? '');
  const [exposure, setExposure] = useState<Exposure>(settings.defaultExposure);
  const [busy, setBusy] = useState(false);

  const problem = touched || name !== '' ? instanceNameProblem(name) : null;
  const serverProblem = createError?.code === 'INVALID_NAME' ? null : createError;
  const nameProblem = createError?.code === 'INVALID_NAME' ? createError.message : problem;
  const summary = useMemo(() => summarizeProgress(progress ?? []), [progress]);

  function close() {
    resetCreation();
    closeDialog();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (instanceNameProblem(name) || !serverId) return;
    setBusy(true);
    await createProject(serverId, name, exposure);
    setBusy(false);
  }

  if (active) {
    return (
      <Dialog
        title={`Creating ${name}`}
        onClose={close}
        testId="create-dialog"
        width="w-[600px]"
        footer={
          summary.succeeded ? (
            <Button
              variant="primary"
              onClick={() => {
                close();
                navigate({
                  kind: 'project',
                  serverId: active.serverId,
                  instanceId: active.instanceId,
                });
              }}
            >
              Open project
            </Button>
          ) : (
            <Button onClick={close}>{summary.finished ? 'Close' : 'Continue in background'}</Button>
          )
        }
      >
        <CreationProgress serverId={active.serverId} instanceId={active.instanceId} />
      </Dialog>
    );
  }

  return (
    <Dialog
      title="New project"
      onClose={close}
      testId="create-dialog"
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button
            variant="primary"
            type="submit"
            form="create-form"
            busy={busy}
            disabled={!serverId || (touched && problem !== null)}
          >
            Create project
          </Button>
        </>
      }
    >
      {connected.length === 0 ? (
        <p className="text-muted">
          Connect a server first: projects are created on a server you own.
        </p>
      ) : (
        <form id="create-form" onSubmit={submit} className="flex flex-col gap-2">
          <Field
            label="Project name"
            value={name}
            autoFocus
            maxLength={80}
            placeholder="acme-staging"
            onChange={(e) => {
              setName(e.target.value);
              if (createError) resetCreation();
            }}
            onBlur={() => setTouched(true)}
            problem={nameProblem}
            hint="Letters, digits, spaces, - and _; up to 40 characters."
          />
          <Select
            label="Server"
            value={serverId}
            onChange={setServerId}
            options={connected.map((s) => ({ value: s.id, label: `${s.name} (${s.host})` }))}
          />
          <fieldset className="mt-3 flex flex-col gap-2">
            <legend className="mb-1 text-xs font-medium text-muted">Network exposure</legend>
            {(
              [
                [
                  'private',
                  'Private',
                  'Ports listen on the server’s loopback; you reach Studio and the database through this app’s SSH tunnel.',
                ],
                [
                  'public',
                  'Public',
                  'Ports listen on every interface; anyone who can reach the server can reach the API.',
                ],
              ] as [Exposure, string, string][]
            ).map(([value, label, text]) => (
              <label
                key={value}
                className={`flex cursor-pointer gap-3 rounded-md border px-3 py-2 ${exposure === value ? 'border-brand bg-brand/5' : 'border-line'}`}
              >
                <input
                  type="radio"
                  name="exposure"
                  value={value}
                  checked={exposure === value}
                  onChange={() => setExposure(value)}
                  className="mt-0.5 accent-[var(--brand)]"
                />
                <span>
                  <span className="font-medium">{label}</span>
                  <span className="block text-xs text-muted">{text}</span>
                </span>
              </label>
            ))}
          </fieldset>
          {serverProblem && (
            <div
              role="alert"
              className="mt-3 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-danger"
            >
              <p className="font-medium">{serverProblem.message}</p>
              {ADVICE[serverProblem.code] && (
                <p className="text-xs opacity-90">{ADVICE[serverProblem.code]}</p>
              )}
              <p className="text-xs opacity-70">Code {serverProblem.code}</p>
            </div>
          )}
        </form>
      )}
    </Dialog>
  );
}
