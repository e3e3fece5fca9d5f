import { useTranslation } from 'react-i18next';
import type { AppSettings, UiLanguage } from '@contract/api';
import { LANGUAGE_NAMES, LANGUAGES, osLanguages, resolveLanguage } from '../i18n/i18n';
import { useApp } from '../app/store';
import { Field } from '../ui/Field';
import { formatNumber } from '../i18n/format';
import { PageHeader, Panel } from '../ui/Panel';

function Choice<T extends string>({
  name,
  value,
  options,
  onChange,
  lang,
}: {
  name: string;
  /** Options written in another language than the UI's (language names) say which. */
  lang?: (v: T) => string;
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
          lang={lang?.(v)}
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
  const { t } = useTranslation();
  const language = resolveLanguage(settings.language, osLanguages());
  return (
    <>
      <PageHeader title={t('settings.title')} subtitle={t('settings.subtitle')} />
      <div className="flex max-w-3xl flex-col gap-4 p-6">
        <Panel title={t('settings.appearance')}>
          <div className="flex flex-col gap-4">
            <div className="flex items-center justify-between">
              <div>
                <p className="font-medium">{t('settings.language')}</p>
                <p className="text-xs text-muted">{t('settings.languageHint')}</p>
              </div>
              <Choice<UiLanguage>
                name={t('settings.language')}
                value={language}
                onChange={(choice) => void update({ language: choice })}
                options={LANGUAGES.map((l) => [l, LANGUAGE_NAMES[l]])}
                lang={(l) => l}
              />
            </div>
            <div className="flex items-center justify-between">
              <div>
                <p className="font-medium">{t('settings.theme')}</p>
                <p className="text-xs text-muted">{t('settings.themeHint')}</p>
              </div>
              <Choice<AppSettings['theme']>
                name={t('settings.theme')}
                value={settings.theme}
                onChange={(theme) => void update({ theme })}
                options={[
                  ['light', t('settings.themes.light')],
                  ['dark', t('settings.themes.dark')],
                  ['system', t('settings.themes.system')],
                ]}
              />
            </div>
          </div>
        </Panel>
        <Panel title={t('settings.newProjects')}>
          <div className="flex flex-col gap-4">
            <div className="flex items-center justify-between">
              <div>
                <p className="font-medium">{t('settings.defaultExposure')}</p>
                <p className="text-xs text-muted">{t('settings.defaultExposureHint')}</p>
              </div>
              <Choice<AppSettings['defaultExposure']>
                name={t('settings.defaultExposure')}
                value={settings.defaultExposure}
                onChange={(defaultExposure) => void update({ defaultExposure })}
                options={[
                  ['private', t('settings.exposures.private')],
                  ['public', t('settings.exposures.public')],
                ]}
              />
            </div>
            <div className="w-60">
              <Field
                label={t('settings.logTail')}
                hint={t('settings.logTailHint', {
                  min: formatNumber(0),
                  max: formatNumber(100_000),
                })}
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
