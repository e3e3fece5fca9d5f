import { describe, expect, it } from 'vitest';
import type { RecoveryProgress } from '@protocol/types';
import { ServerRecoveries } from './server-recoveries';

const progress = (phase: RecoveryProgress['phase']): RecoveryProgress => ({
  reason: 'agent-start',
  phase,
  total: 2,
  done: 0,
  failed: 0,
  waiting: ['a', 'b'],
  at: '',
});

describe('ServerRecoveries', () => {
  it('shows the pass under way with a connected server only, and drops it when done', () => {
    const book = new ServerRecoveries();
    const connected = { state: 'connected' as const };
    expect(book.withStatus('s1', connected)).toEqual(connected);
    book.note('s1', progress('databases'));
    expect(book.withStatus('s1', connected).recovery?.phase).toBe('databases');
    expect(book.withStatus('s2', connected).recovery).toBeUndefined();
    expect(book.withStatus('s1', { state: 'reconnecting' }).recovery).toBeUndefined();
    book.note('s1', progress('done'));
    expect(book.withStatus('s1', connected).recovery).toBeUndefined();
    book.note('s1', progress('services'));
    book.forget('s1');
    expect(book.withStatus('s1', connected).recovery).toBeUndefined();
  });
});
