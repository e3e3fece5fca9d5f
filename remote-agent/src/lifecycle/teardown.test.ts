import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@protocol/error-codes';
import { DockerError } from '../docker/docker-error';
import { removeNetwork } from './teardown';

const busy = () =>
  new DockerError(
    ErrorCode.INTERNAL,
    'Docker refused DELETE /networks/n1: error while removing network: network ub_x_default id 53 has active endpoints',
    { status: 403 },
  );

function engineFailing(errors: Error[]) {
  const calls: string[] = [];
  return {
    calls,
    async removeNetwork(id: string) {
      calls.push(id);
      const next = errors.shift();
      if (next) throw next;
    },
  };
}

describe('removeNetwork', () => {
  it('waits while dockerd still holds endpoints, then removes the network', async () => {
    const engine = engineFailing([busy(), busy()]);
    const waits: number[] = [];
    await removeNetwork(engine, 'n1', async (ms) => void waits.push(ms));
    expect(engine.calls).toEqual(['n1', 'n1', 'n1']);
    expect(waits).toEqual([300, 600]);
  });

  it('gives up after five tries with the engine’s error', async () => {
    const engine = engineFailing(Array.from({ length: 9 }, busy));
    await expect(removeNetwork(engine, 'n1', async () => {})).rejects.toThrow(/active endpoints/);
    expect(engine.calls).toHaveLength(5);
  });

  it('does not retry any other refusal', async () => {
    const engine = engineFailing([
      new DockerError(ErrorCode.INTERNAL, 'Docker refused DELETE /networks/n1: forbidden', {
        status: 403,
      }),
    ]);
    await expect(removeNetwork(engine, 'n1', async () => {})).rejects.toThrow(/forbidden/);
    expect(engine.calls).toHaveLength(1);
  });
});
