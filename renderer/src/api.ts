import type { DesktopApi } from '@contract/api';

declare global {
  interface Window {
    /** Defined by Electron's preload, or by the test harness's bridge script. */
    ultrabase: DesktopApi;
  }
}

// One error shape and one normalisation for every side of the contract (preload, IPC, core,
// harness, CLI): a rejected call is already `{code, message, data}`; anything else becomes one.
export { isError, toApiError, type ApiError } from '@contract/errors';

export function projectKey(serverId: string, instanceId: string): string {
  return `${serverId}/${instanceId}`;
}
