import { UltrabaseError } from '@contract/errors';
import { createMessages, type MessageKey } from './i18n';

const english = createMessages('en');

/**
 * An error the CLI itself raises, with a stable code like any other. `--json` and logs carry
 * its English sentence (so they never change with the language); people read `key` in theirs.
 */
export class LocalisedError extends UltrabaseError {
  constructor(
    code: string,
    readonly key: MessageKey,
    readonly values: Record<string, string>,
    data?: Record<string, unknown>,
  ) {
    super(code, english.t(key, values), data);
  }
}
