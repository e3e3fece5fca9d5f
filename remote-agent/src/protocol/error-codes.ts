/**
 * Stable error codes. A failed JSON-RPC call carries one in `error.data.code`; the desktop,
 * the CLI and tests branch on these, never on message text.
 */
export const ErrorCode = {
  // request shape and session
  PARSE_ERROR: 'PARSE_ERROR',
  INVALID_REQUEST: 'INVALID_REQUEST',
  METHOD_NOT_FOUND: 'METHOD_NOT_FOUND',
  INVALID_PARAMS: 'INVALID_PARAMS',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  PROTOCOL_MISMATCH: 'PROTOCOL_MISMATCH',
  HELLO_REQUIRED: 'HELLO_REQUIRED',
  // identity and rights
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  RATE_LIMITED: 'RATE_LIMITED',
  FORBIDDEN: 'FORBIDDEN',
  USER_EXISTS: 'USER_EXISTS',
  ADMIN_EXISTS: 'ADMIN_EXISTS',
  LAST_ADMIN: 'LAST_ADMIN',
  WEAK_PASSWORD: 'WEAK_PASSWORD',
  // staff accounts (a Linux login per staff member, see docs/staff-accounts.md)
  INVALID_PUBLIC_KEY: 'INVALID_PUBLIC_KEY',
  ACCOUNT_EXISTS: 'ACCOUNT_EXISTS',
  STAFF_UNSUPPORTED: 'STAFF_UNSUPPORTED',
  // instances
  INVALID_NAME: 'INVALID_NAME',
  NOT_FOUND: 'NOT_FOUND',
  BUSY: 'BUSY',
  INVALID_STATE: 'INVALID_STATE',
  LIMIT_REACHED: 'LIMIT_REACHED',
  PORTS_EXHAUSTED: 'PORTS_EXHAUSTED',
  INSUFFICIENT_RESOURCES: 'INSUFFICIENT_RESOURCES',
  DOCKER_UNAVAILABLE: 'DOCKER_UNAVAILABLE',
  COMPOSE_UNAVAILABLE: 'COMPOSE_UNAVAILABLE',
  PULL_FAILED: 'PULL_FAILED',
  START_FAILED: 'START_FAILED',
  UNHEALTHY: 'UNHEALTHY',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
  STREAM_NOT_FOUND: 'STREAM_NOT_FOUND',
  // custom domains (remote-agent/src/domains, remote-agent/src/proxy)
  INVALID_HOSTNAME: 'INVALID_HOSTNAME',
  DOMAIN_EXISTS: 'DOMAIN_EXISTS',
  DOMAIN_DNS_MISMATCH: 'DOMAIN_DNS_MISMATCH',
  PROXY_FAILED: 'PROXY_FAILED',
  DOMAIN_CERTIFICATE_MISSING: 'DOMAIN_CERTIFICATE_MISSING',
  // project settings
  INVALID_SETTINGS: 'INVALID_SETTINGS',
  MANAGED_SETTING: 'MANAGED_SETTING',
  APPLY_FAILED: 'APPLY_FAILED',
  EMAIL_FAILED: 'EMAIL_FAILED',
  // fleet: project tags (protocol/tags.ts)
  INVALID_TAG: 'INVALID_TAG',
  // agent process and disk
  CONFIG_INVALID: 'CONFIG_INVALID',
  DATA_DIR_LOCKED: 'DATA_DIR_LOCKED',
  DISK_FULL: 'DISK_FULL',
  INTERNAL: 'INTERNAL',
  // stack releases and upgrades
  RELEASE_NOT_FOUND: 'RELEASE_NOT_FOUND',
  /** The target release runs another Postgres major: that is its own explicit operation. */
  POSTGRES_MAJOR_CHANGE: 'POSTGRES_MAJOR_CHANGE',
  /** The upgrade failed and the project is back on its previous release. */
  UPGRADE_ROLLED_BACK: 'UPGRADE_ROLLED_BACK',
  /** The backup an upgrade takes first failed: nothing was changed. */
  UPGRADE_BACKUP_FAILED: 'UPGRADE_BACKUP_FAILED',
  // capacity: project networks
  SUBNETS_EXHAUSTED: 'SUBNETS_EXHAUSTED',
  // alerts
  ALERT_DELIVERY_FAILED: 'ALERT_DELIVERY_FAILED',
  // backups (remote-agent/src/backups/)
  BACKUP_NOT_FOUND: 'BACKUP_NOT_FOUND',
  BACKUP_WRONG_PASSWORD: 'BACKUP_WRONG_PASSWORD',
  BACKUP_REPOSITORY_DAMAGED: 'BACKUP_REPOSITORY_DAMAGED',
  BACKUP_DESTINATION_FULL: 'BACKUP_DESTINATION_FULL',
  BACKUP_DESTINATION_UNREACHABLE: 'BACKUP_DESTINATION_UNREACHABLE',
  BACKUP_FAILED: 'BACKUP_FAILED',
  RESTORE_FAILED: 'RESTORE_FAILED',
  CONFIRMATION_MISMATCH: 'CONFIRMATION_MISMATCH',
  // import of an existing Supabase project from a pg_dump file (backups/import-*.ts)
  /** The file is not a plain-SQL pg_dump (no pg_dump preamble, or binary). */
  IMPORT_NOT_A_DUMP: 'IMPORT_NOT_A_DUMP',
  /** A custom-format (-Fc), tar (-Ft) or directory dump: convert it with pg_restore -f first. */
  IMPORT_UNSUPPORTED_FORMAT: 'IMPORT_UNSUPPORTED_FORMAT',
  /** Over the import's limits, or more bytes or files arrived than were announced. */
  IMPORT_TOO_LARGE: 'IMPORT_TOO_LARGE',
  /** A Storage path outside the folder, a symlink or a special file in the Storage folder. */
  IMPORT_BAD_PATH: 'IMPORT_BAD_PATH',
  /** The load or the upload broke off; the new project was removed. */
  IMPORT_FAILED: 'IMPORT_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What travels in JSON-RPC `error.data`: the stable code plus optional facts (never a stack). */
export interface ErrorData {
  code: ErrorCode | string;
  [key: string]: unknown;
}

/** JSON-RPC numeric codes; the meaningful code is always `data.code`. */
export const JsonRpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Application errors (everything else). */
  APPLICATION: -32000,
} as const;
