import { ErrorCode } from '../protocol/errors';
import { LifecycleError } from './errors';

/**
 * One operation at a time per instance (create, start, stop, restart, delete): two compose
 * commands on the same project race on its containers and leave it half up, half down.
 * A second caller is refused with BUSY at once rather than queued, so nobody waits on a
 * stop they no longer want.
 */
export class OperationLocks {
  private readonly held = new Map<string, string>();

  isBusy(instanceId: string): boolean {
    return this.held.has(instanceId);
  }

  async run<T>(instanceId: string, operation: string, fn: () => Promise<T>): Promise<T> {
    this.acquire(instanceId, operation);
    try {
      return await fn();
    } finally {
      this.held.delete(instanceId);
    }
  }

  acquire(instanceId: string, operation: string): void {
    const current = this.held.get(instanceId);
    if (current) {
      throw new LifecycleError(
        ErrorCode.BUSY,
        `This instance is busy (${current} in progress). Try again when it has finished.`,
        { operation: current },
      );
    }
    this.held.set(instanceId, operation);
  }

  release(instanceId: string): void {
    this.held.delete(instanceId);
  }
}
