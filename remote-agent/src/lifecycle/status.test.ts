import { describe, expect, it } from 'vitest';
import type { ServiceState } from '@protocol/types';
import { liveStatus } from '../instances/state';
import { worstService } from './status';

const s = (
  service: string,
  state: string,
  health: ServiceState['health'] = 'none',
): ServiceState => ({
  service,
  state,
  health,
  restarts: 0,
});

describe('liveStatus', () => {
  const up = [s('db', 'running', 'healthy'), s('rest', 'running')];
  it('follows Docker only for running, degraded and stopped instances', () => {
    expect(liveStatus('running', up)).toBe('running');
    expect(liveStatus('degraded', up)).toBe('running');
    expect(liveStatus('running', [s('db', 'running', 'unhealthy'), s('rest', 'running')])).toBe(
      'degraded',
    );
    expect(liveStatus('running', [s('db', 'running', 'healthy'), s('rest', 'exited')])).toBe(
      'degraded',
    );
    expect(liveStatus('running', [s('db', 'running', 'healthy'), s('rest', 'missing')])).toBe(
      'degraded',
    );
    expect(liveStatus('running', [])).toBe('degraded');
    // Stopped by us stays stopped while containers are down; all up again (someone started it) is running.
    expect(liveStatus('stopped', [s('db', 'exited'), s('rest', 'exited')])).toBe('stopped');
    expect(liveStatus('stopped', up)).toBe('running');
    for (const owned of ['creating', 'queued', 'stopping', 'deleting', 'failed'] as const) {
      expect(liveStatus(owned, up)).toBeUndefined();
    }
  });

  it('blames the most clearly broken service', () => {
    expect(
      worstService([
        s('a', 'running', 'starting'),
        s('b', 'exited'),
        s('c', 'running', 'unhealthy'),
      ])?.service,
    ).toBe('c');
    expect(worstService([s('a', 'running', 'starting'), s('b', 'exited')])?.service).toBe('b');
    expect(worstService([s('a', 'running', 'healthy')])).toBeUndefined();
  });
});
