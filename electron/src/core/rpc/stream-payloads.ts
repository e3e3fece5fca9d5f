import type { AgentEvent, LogBatch, LogLine } from '@protocol/types';
import type { MethodName } from '@protocol/methods';
import type { BackupDownloadItem } from '@protocol/backup-transfer';

/**
 * What each stream-opening agent method carries in its `stream.data` notifications. The agent's
 * method table says only that these methods return `{ stream }`; this says what flows on it, so
 * consumers are typed in one place instead of casting `unknown` at each use.
 */
export interface StreamPayloads {
  /** `LogBatch` when the follow asked for `format: "records"`. */
  'logs.follow': LogLine[] | LogBatch;
  'events.subscribe': AgentEvent;
  'backups.download': BackupDownloadItem;
}

export type StreamMethod = keyof StreamPayloads & MethodName;
