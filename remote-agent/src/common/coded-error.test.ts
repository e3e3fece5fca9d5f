import { describe, expect, it } from 'vitest';
import { DockerError } from '../docker/docker-error';
import { LifecycleError } from '../lifecycle/lifecycle-error';
import { ErrorCode } from '@protocol/error-codes';
import { StackError } from '../stack/stack-error';
import { toRpcError } from '../agent-error';
import { AgentError, CodedError, describeError } from './coded-error';

describe('one coded error for every layer', () => {
  it('keeps the real code of every layer’s error in an instance failure, not INTERNAL', () => {
    const errors = [
      new AgentError(ErrorCode.LIMIT_REACHED, 'full'),
      new StackError(ErrorCode.CONFIG_INVALID, 'no host', { key: 'externalHost' }),
      new DockerError(ErrorCode.DOCKER_UNAVAILABLE, 'down', {}, true),
      new LifecycleError(ErrorCode.UNHEALTHY, 'sick'),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(CodedError);
      expect(describeError(e)).toEqual({ code: e.code, message: e.message });
      expect(toRpcError(e).data.code).toBe(e.code);
    }
    expect(errors.map((e) => e.name)).toEqual([
      'AgentError',
      'StackError',
      'DockerError',
      'LifecycleError',
    ]);
  });

  it('says INTERNAL for anything else, Node errno codes included', () => {
    const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(describeError(enoent)).toEqual({
      code: 'INTERNAL',
      message: 'Unexpected failure: no such file',
    });
    expect(describeError('text')).toMatchObject({ code: 'INTERNAL' });
  });
});
