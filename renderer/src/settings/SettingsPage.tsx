import type { AppSettings } from '../../../electron/src/contract/api';
import { useApp } from '../app/store';
import { Field } from '../ui/Field';
import { PageHeader, Panel } from '../ui/Panel';

function Choice<T extends string>({
  name,
  value,
  options,
  onChange,
}: {
  name: string;
  value: T;
  options: [T, string][];
  onChange: (v: T) => void;
}) {
  return (
    <div
      role="radiogroup"
      aria-label={name}
      className="inline-flex rounded-md border border-line bg-bg p-0.5"
    >
      {options.map(([v, label]) => (
        <label
          key={v}
          className={`cursor-pointer rounded px-3 py-1 text-xs ${value === v ? 'bg-panel font-medium shadow-sm' : 'text-muted'}`}
        >
          <input
            type="radio"
            name={name}
            value={v}
            checked={value === v}
            onChange={() => onChange(v)}
            className="sr-only"
          />
          {label}
        </label>
      ))}
    </div>
  );
}

export function SettingsPage() {
  const settings = useApp((s) => s.settings);
  const update = useApp((s) => s.updateSettings);
  return (
    <>
      <PageHeader title="Settings" subtitle="Stored on this computer." />
      <div className="flex max-w-3xl flex-col gap-4 p-6">
        <Panel title="Appearance">
          <div className="flex items-center justify-between">
            <div>
              <p className="font-medium">Theme</p>
              <p className="text-xs text-muted">
                System follows your desktop's light or dark preference.
              </p>
            </div>
            <Choice<AppSettings['theme']>
              name="Theme"
              value={settings.theme}
              onChange={(theme) => void update({ theme })}
              options={[
                ['light', 'Light'],
                ['dark', 'Dark'],
                ['system', 'System'],
              ]}
            />
          </div>
        </Panel>
        <Panel title="New projects">
          <div className="flex flex-col gap-4">
            <div className="flex items-center justify-between">
              <div>
                <p className="font-medium">Default exposure</p>
                <p className="text-xs text-muted">
                  Private keeps ports on the server's loopback, reached through SSH.
                </p>
              </div>
              <Choice<AppSettings['defaultExposure']>
                name="Default exposure"
                value={settings.defaultExposure}
                onChange={(defaultExposure) => void update({ defaultExposure })}
                options={[
                  ['private', 'Private'],
                  ['public', 'Public'],
                ]}
              />
            </div>
            <div className="w-60">
              <Field
                label="Log lines shown when a terminal opens"
                type="number"
                min={0}
                max={100000}
                value={settings.logTail}
                onChange={(e) => {
                  const n = Math.max(0, Math.min(100_000, Math.round(Number(e.target.value) || 0)));
                  void update({ logTail: n });
                }}
              />
            </div>
          </div>
        </Panel>
      </div>
    </>
  );
}
