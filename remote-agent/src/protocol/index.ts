export * from './error-codes';
export * from './rpc';
export * from './types';
export * from './methods';
export * from './validation';
export * from './backups';
