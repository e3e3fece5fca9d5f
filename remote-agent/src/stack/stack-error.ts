import { CodedError } from '@common/coded-error';

/** A stack that cannot be rendered for a reason a person can fix (config, input). */
export class StackError extends CodedError {}
