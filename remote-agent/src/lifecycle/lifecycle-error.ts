import { CodedError } from '@common/coded-error';

/** A refusal or failure of a lifecycle operation, with the stable code clients branch on. */
export class LifecycleError extends CodedError {}

export { describeError } from '@common/coded-error';
