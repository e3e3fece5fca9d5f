import { useTranslation } from 'react-i18next';
import type { ServerCapacity } from '@contract/api';
import { Select } from '../ui/Field';
import type { FixedSize } from './capacity-hints';

/**
 * The size picker of the create dialog: each size says how many more such projects fit on the
 * chosen server (or the best fit), once that server's capacity is known.
 */
export function SizeSelect({
  size,
  onChange,
  capacity,
}: {
  size: FixedSize;
  onChange: (size: FixedSize) => void;
  capacity: ServerCapacity | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Select
      label={t('capacity.sizeLabel')}
      value={size}
      onChange={(v) => onChange(v as FixedSize)}
      options={(['small', 'medium', 'large'] as const).map((value) => {
        const fits = capacity?.fits[value];
        return {
          value,
          label:
            fits === undefined
              ? t(`capacity.size.${value}`)
              : t('capacity.sizeOption', { size: t(`capacity.size.${value}`), count: fits }),
        };
      })}
    />
  );
}
