// Bundled by aliases.test.ts with the renderer's Vite config: both shared folders resolve
// through their alias the way renderer code will import them.
import { ErrorCode } from '@protocol/error-codes';
import { DesktopErrorCode } from '@contract/errors';

export const codes = [ErrorCode.UNAUTHENTICATED, DesktopErrorCode.HOST_KEY_CHANGED];
